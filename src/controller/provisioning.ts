// Provisioning: the step ConfigMap kept current (configmap-sync.ts), the children created, adopted
// or waited for (children.ts), then the wait for the staging claim to bind and the managed
// database to be ready, each with its deadline and the storage layer's or kubelet's reason on
// failure. Reads the watched caches; their events (the claim bound, the StatefulSet ready, a pod
// changed) wake the restore, so the only timers are the deadlines and a Pending pod's Events.
import * as k8s from '@kubernetes/client-node';
import type { AlmaRestore } from '../api/types.js';
import { LABEL } from '../resources/meta.js';
import { withLabels } from './caches.js';
import { bindsOnFirstConsumer, latestWarning } from './child-reads.js';
import { ensureChildren } from './children.js';
import { syncConfigMap } from './configmap-sync.js';
import {
  RETRY_ANNOTATION,
  appendAction,
  ignore404,
  isoNow,
  type Pass,
  type ReconcileResult,
} from './context.js';
import type { DesiredState } from './desired.js';
import { fail, progressNote, transition } from './lifecycle.js';
import { STEP_PHASES } from './phases.js';
import { decideBlocker } from './pod-blockers.js';
import { findPodBlocker } from './pod-blocker-check.js';
import { PROGRESS_POLL_MS } from './progress-decide.js';

/** How soon a Pending pod is looked at again: what only its Events show wakes no informer. */
export const EVENT_ONLY_RECHECK_MS = PROGRESS_POLL_MS;

/** A requeue just after a deadline that `waited` ms of `timeoutMs` have used. */
export function untilDeadline(timeoutMs: number, waited: number): number {
  return Math.max(1000, timeoutMs - waited + 500);
}

export async function provision(
  pass: Pass,
  restore: AlmaRestore,
  desired: DesiredState,
): Promise<ReconcileResult> {
  const ns = restore.metadata.namespace!;
  const c = desired.children;
  const apps = pass.kc.makeApiClient(k8s.AppsV1Api);
  // The step configuration may change (e.g. retry after a spec fix before start): kept current,
  // written only when it differs from the cached copy.
  await syncConfigMap(
    {
      create: (namespace, body) => pass.core.createNamespacedConfigMap({ namespace, body }),
      replace: (namespace, name, body) => pass.core.replaceNamespacedConfigMap({ namespace, name, body }),
    },
    ns,
    pass.caches.configMaps.get(c.configMap.metadata!.name!, ns),
    c.configMap,
  );
  // Children an earlier AlmaRestore of this name left behind are waited for, adopted or refused.
  const children = await ensureChildren(pass.kc, restore, desired, pass.caches);
  for (const message of children.adopted) {
    await pass.events.record(restore, 'Normal', 'Adopted', message);
    await pass.status.write(restore, { actions: appendAction(restore, isoNow(pass), message) });
  }
  if (children.refusals.length > 0)
    return fail(pass, restore, {
      step: 'provision',
      reason: 'NameInUse',
      message: children.refusals.join('; '),
    });
  if (children.waits.length > 0) {
    const message = children.waits.join('; ');
    if (restore.status?.progressMessage !== message) {
      await pass.status.write(restore, { progressMessage: message }, [
        { type: 'Provisioned', status: 'False', reason: 'PreviousRestoreTerminating', message },
      ]);
      await pass.events.record(restore, 'Normal', 'PreviousRestoreTerminating', message);
    }
    return {}; // the old child's deletion (a watched, labelled object) wakes the restore
  }

  // Storage: the staging claim must bind; a claim stuck Pending is a clear failure, not a wait.
  // Ours may be too new for the cache: then it is read from the server.
  const claim =
    pass.caches.claims.get(desired.stagingClaimName, ns) ??
    (await ignore404(
      pass.core.readNamespacedPersistentVolumeClaim({ namespace: ns, name: desired.stagingClaimName }),
    ));
  if (!claim) {
    return fail(pass, restore, {
      step: 'provision',
      reason: 'StagingClaimMissing',
      message: `PersistentVolumeClaim ${ns}/${desired.stagingClaimName} does not exist: create it, or set database.existing.stagingClaimName to the claim the database reads dump files from; then set the ${RETRY_ANNOTATION} annotation`,
    });
  }
  // Since provisioning began: the start, or a later retry or resume (Progressing turned True).
  const since = Math.max(
    new Date(restore.status?.startTime ?? claim.metadata?.creationTimestamp ?? pass.now()).getTime(),
    new Date(
      restore.status?.conditions?.find((c) => c.type === 'Progressing')?.lastTransitionTime ?? 0,
    ).getTime(),
  );
  const waited = pass.now().getTime() - since;
  if (claim.status?.phase !== 'Bound' && !bindsOnFirstConsumer(pass.caches.storageClasses, claim)) {
    if (waited > pass.options.pvcBindTimeoutMs) {
      const why = await latestWarning(pass.core, ns, 'PersistentVolumeClaim', desired.stagingClaimName);
      return fail(pass, restore, {
        step: 'provision',
        reason: 'StorageUnavailable',
        message:
          `staging volume ${desired.stagingClaimName} (${desired.plan.stagingSize}) is still ${claim.status?.phase ?? 'Pending'} after ${Math.round(waited / 60000)} min` +
          (why ? `: ${why}` : '; check the storage class, capacity and quotas') +
          `; once the storage can provide it, set the ${RETRY_ANNOTATION} annotation`,
      });
    }
    // The claim's own event wakes the restore when it binds; the timer is only for the deadline.
    return progressNote(
      pass,
      restore,
      `Waiting for the staging volume ${desired.stagingClaimName} to bind`,
      untilDeadline(pass.options.pvcBindTimeoutMs, waited),
    );
  }
  if (desired.databaseStatefulSet) {
    const sts =
      pass.caches.statefulSets.get(desired.databaseStatefulSet, ns) ??
      (await ignore404(apps.readNamespacedStatefulSet({ namespace: ns, name: desired.databaseStatefulSet })));
    if ((sts?.status?.readyReplicas ?? 0) < 1) {
      const { blocked, pending } = await databasePodBlocked(pass, restore, desired.databaseStatefulSet);
      if (blocked) return blocked;
      if (waited > pass.options.databaseReadyTimeoutMs) {
        const why = await latestWarning(pass.core, ns, 'Pod', `${desired.databaseStatefulSet}-0`);
        return fail(pass, restore, {
          step: 'provision',
          reason: 'DatabaseNotReady',
          message:
            `the Oracle database ${desired.databaseStatefulSet} is not ready after ${Math.round(waited / 60000)} min` +
            (why ? `: ${why}` : ''),
        });
      }
      return progressNote(
        pass,
        restore,
        `Waiting for the Oracle database ${desired.databaseStatefulSet} to be ready (first start runs DBCA: tens of minutes)`,
        // The StatefulSet's readiness is an event; the timer is for the deadline, and for what
        // only a Pending pod's Events show (they wake no informer).
        Math.min(
          untilDeadline(pass.options.databaseReadyTimeoutMs, waited),
          pending ? EVENT_ONLY_RECHECK_MS : Infinity,
        ),
      );
    }
  }
  const message = 'Staging volume bound and database ready';
  return transition(pass, restore, {
    to: STEP_PHASES.fetch,
    reason: 'Provisioned',
    message,
    conditions: [{ type: 'Provisioned', status: 'True', reason: 'Provisioned', message }],
  });
}

/** The managed database pod's blocker, shown and (past the timeout) failing as a step pod's. */
async function databasePodBlocked(
  pass: Pass,
  restore: AlmaRestore,
  statefulSet: string,
): Promise<{ blocked?: ReconcileResult; pending: boolean }> {
  const ns = restore.metadata.namespace!;
  const pods = withLabels(pass.caches.pods, ns, {
    [LABEL.restore]: restore.metadata.name,
    [LABEL.component]: 'database',
  });
  const { blocker, pending } = await findPodBlocker(pass.core, ns, pods);
  if (!blocker) return { pending };
  const verdict = decideBlocker(blocker, pass.now(), pass.options.podBlockedTimeoutMs);
  const message = `the Oracle database ${statefulSet} cannot start: ${verdict.message}`;
  if (verdict.action === 'fail')
    return {
      pending,
      blocked: await fail(pass, restore, { step: 'provision', reason: verdict.reason, message }),
    };
  if (restore.status?.progressMessage !== message) {
    await pass.status.write(restore, { progressMessage: message }, [
      { type: 'Provisioned', status: 'False', reason: verdict.reason, message },
    ]);
    await pass.events.record(restore, 'Warning', verdict.reason, `provision: ${message}`);
  }
  return { pending, blocked: { requeueAfterMs: verdict.recheckAfterMs } };
}
