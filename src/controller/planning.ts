// Planning's I/O: reads what planning-decide.ts needs (Secret types and key names, never values;
// the StorageClasses; an existing database's staging claim) and returns its verdict. A restore
// with problems waits in Planning and is checked again on the next pass, so creating the missing
// object, growing the claim or fixing the spec lets it go on by itself.
import * as k8s from '@kubernetes/client-node';
import type { AlmaRestoreSpec, SizingPlan } from '../api/types.js';
import {
  planningNeeds,
  planningProblems,
  type ClaimFacts,
  type PlanningProblem,
  type SecretFacts,
} from './planning-decide.js';

export type { PlanningProblem } from './planning-decide.js';

/** How often a restore waiting in Planning is checked again. */
export const PLANNING_RECHECK_MS = 15_000;

async function orUndefined<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}

export async function checkPlanning(
  kc: k8s.KubeConfig,
  namespace: string,
  spec: AlmaRestoreSpec,
  plan: SizingPlan,
  /** The controller's watched Secret cache (secret-watch.ts); without it, each Secret is read. */
  cachedSecret?: (name: string, namespace: string) => k8s.V1Secret | undefined,
): Promise<PlanningProblem[]> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const storage = kc.makeApiClient(k8s.StorageV1Api);
  const needs = planningNeeds(spec);

  const secrets = new Map<string, SecretFacts | undefined>();
  for (const name of needs.secrets) {
    const s = cachedSecret
      ? cachedSecret(name, namespace)
      : await orUndefined(core.readNamespacedSecret({ namespace, name }));
    secrets.set(name, s && { type: s.type, keys: Object.keys({ ...s.data, ...s.stringData }) });
  }
  const storageClasses =
    needs.storageClasses.length > 0
      ? (await storage.listStorageClass()).items.map((sc) => sc.metadata!.name!)
      : [];
  let stagingClaim: ClaimFacts | undefined;
  if (needs.stagingClaim) {
    const pvc = await orUndefined(
      core.readNamespacedPersistentVolumeClaim({ namespace, name: needs.stagingClaim }),
    );
    if (pvc) {
      const size = pvc.status?.capacity?.storage ?? pvc.spec?.resources?.requests?.storage;
      stagingClaim = {
        ...(size ? { size } : {}),
        ...(pvc.status?.phase ? { phase: pvc.status.phase } : {}),
        deleting: !!pvc.metadata?.deletionTimestamp,
      };
    }
  }
  return planningProblems(spec, plan, {
    namespace,
    secrets,
    storageClasses,
    ...(stagingClaim ? { stagingClaim } : {}),
  });
}
