// Creates the restore's children (staging claim, database Service and StatefulSet) or accepts
// what already holds their names, as children-decide.ts rules: create what is absent, adopt what
// an earlier AlmaRestore of this name retained (setting the ownerReference), and report what must
// be waited for or refused. Read from the watched caches; a child that is ours and in place is
// left alone (no request). The ConfigMap is not here: configmap-sync.ts keeps it current.
import * as k8s from '@kubernetes/client-node';
import type { AlmaRestore } from '../api/types.js';
import { ownerReference } from '../resources/meta.js';
import { decideChild, type ChildFacts, type ExistingChild } from './children-decide.js';
import type { DesiredState } from './desired.js';
import type { Caches } from './caches.js';
import type { EventRecorder } from './events.js';

export interface ChildrenOutcome {
  /** Messages of the adoptions made in this pass (for an Event and status.actions each). */
  adopted: string[];
  waits: string[];
  refusals: string[];
}

type Child = k8s.V1PersistentVolumeClaim | k8s.V1Service | k8s.V1StatefulSet;

const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

function isNotFound(err: unknown): boolean {
  return (err as { code?: number }).code === 404;
}

function existingOf(o: Child | undefined): ExistingChild | undefined {
  if (!o?.metadata) return undefined;
  const m = o.metadata;
  return {
    ...(m.uid ? { uid: m.uid } : {}),
    ...(m.deletionTimestamp ? { deletionTimestamp: new Date(m.deletionTimestamp).toISOString() } : {}),
    ...(m.ownerReferences ? { ownerReferences: m.ownerReferences } : {}),
    ...(m.labels ? { labels: m.labels } : {}),
  };
}

export async function ensureChildren(
  kc: k8s.KubeConfig,
  restore: AlmaRestore,
  desired: DesiredState,
  /** The watched caches: a child found there costs no request; one missing is read from the server. */
  caches?: Pick<Caches, 'claims' | 'services' | 'statefulSets'>,
): Promise<ChildrenOutcome> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const namespace = restore.metadata.namespace!;
  const c = desired.children;
  const owner = ownerReference(desired.resolved);

  const specs: {
    kind: string;
    role: string;
    body: Child;
    read: (name: string) => Promise<Child>;
    cached?: (name: string) => Child | undefined;
    create: () => Promise<unknown>;
    patch: (name: string, body: object) => Promise<unknown>;
  }[] = [];
  if (c.stagingPvc)
    specs.push({
      kind: 'PersistentVolumeClaim',
      role: 'staging volume',
      body: c.stagingPvc,
      read: (name) => core.readNamespacedPersistentVolumeClaim({ namespace, name }),
      cached: (name) => caches?.claims.get(name, namespace),
      create: () => core.createNamespacedPersistentVolumeClaim({ namespace, body: c.stagingPvc! }),
      patch: (name, body) => core.patchNamespacedPersistentVolumeClaim({ namespace, name, body }, merge),
    });
  if (c.service)
    specs.push({
      kind: 'Service',
      role: 'database Service',
      body: c.service,
      read: (name) => core.readNamespacedService({ namespace, name }),
      cached: (name) => caches?.services.get(name, namespace),
      create: () => core.createNamespacedService({ namespace, body: c.service! }),
      patch: (name, body) => core.patchNamespacedService({ namespace, name, body }, merge),
    });
  if (c.statefulSet)
    specs.push({
      kind: 'StatefulSet',
      role: 'database',
      body: c.statefulSet,
      read: (name) => apps.readNamespacedStatefulSet({ namespace, name }),
      cached: (name) => caches?.statefulSets.get(name, namespace),
      create: () => apps.createNamespacedStatefulSet({ namespace, body: c.statefulSet! }),
      patch: (name, body) => apps.patchNamespacedStatefulSet({ namespace, name, body }, merge),
    });

  const outcome: ChildrenOutcome = { adopted: [], waits: [], refusals: [] };
  for (const spec of specs) {
    const name = spec.body.metadata!.name!;
    const found =
      spec.cached?.(name) ??
      (await spec.read(name).catch((err: unknown) => {
        if (isNotFound(err)) return undefined;
        throw err;
      }));
    const facts: ChildFacts = { kind: spec.kind, role: spec.role, namespace, name };
    const existing = existingOf(found);
    if (existing) facts.existing = existing;
    if (existing?.deletionTimestamp && spec.kind === 'PersistentVolumeClaim')
      facts.mountedBy = (await core.listNamespacedPod({ namespace })).items
        .filter((p) => p.spec?.volumes?.some((v) => v.persistentVolumeClaim?.claimName === name))
        .map((p) => p.metadata!.name!);
    const verdict = decideChild({ name: restore.metadata.name, uid: restore.metadata.uid! }, facts);
    switch (verdict.action) {
      case 'create':
        await spec.create().catch((err: unknown) => {
          // Created by a pass that crashed before recording it: the next pass judges it.
          if ((err as { code?: number }).code !== 409) throw err;
        });
        break;
      case 'adopt':
        // resourceVersion makes the patch fail if the object changed since it was judged.
        await spec.patch(name, {
          metadata: { ownerReferences: [owner], resourceVersion: found!.metadata!.resourceVersion },
        });
        outcome.adopted.push(verdict.message);
        break;
      case 'wait':
        outcome.waits.push(verdict.message);
        break;
      case 'refuse':
        outcome.refusals.push(verdict.message);
        break;
      case 'ok':
        break;
    }
  }
  return outcome;
}

/**
 * On deletion of the AlmaRestore: with retention.onDelete Retain, orphan the database
 * (StatefulSet, Service) so the garbage collector leaves it and its data volume in place (a
 * re-applied AlmaRestore of this name adopts it, see ensureChildren); with Delete, delete the
 * StatefulSet's data claims, which it does not own (the rest goes with the garbage collector).
 */
export async function releaseChildren(kc: k8s.KubeConfig, restore: AlmaRestore, events: EventRecorder) {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const namespace = restore.metadata.namespace!;
  const labelSelector = `almarestore.io/restore=${restore.metadata.name}`;
  const ignore404 = (err: unknown) => {
    if (!isNotFound(err)) throw err;
  };
  if ((restore.spec.retention?.onDelete ?? 'Retain') === 'Retain') {
    const orphan = { metadata: { ownerReferences: null } };
    for (const sts of (await apps.listNamespacedStatefulSet({ namespace, labelSelector })).items)
      await apps
        .patchNamespacedStatefulSet({ namespace, name: sts.metadata!.name!, body: orphan }, merge)
        .catch(ignore404);
    for (const svc of (await core.listNamespacedService({ namespace, labelSelector })).items)
      await core
        .patchNamespacedService({ namespace, name: svc.metadata!.name!, body: orphan }, merge)
        .catch(ignore404);
    await events.record(
      restore,
      'Normal',
      'DatabaseRetained',
      'retention.onDelete=Retain: the database and its volume are kept',
    );
    return;
  }
  for (const pvc of (await core.listNamespacedPersistentVolumeClaim({ namespace, labelSelector })).items)
    await core
      .deleteNamespacedPersistentVolumeClaim({ namespace, name: pvc.metadata!.name! })
      .catch(ignore404);
}
