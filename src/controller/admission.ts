// From Pending to Provisioning in as few writes as possible: the sizing plan (from the previous
// restore of each institution when there is one), the planning checks (what the restore names
// must exist and fit: planning.ts), and admission under the concurrency limits (Queued until a slot
// frees; the slot's event wakes it: queue-wakeup.ts). A new restore whose checks pass goes from
// Pending straight to Queued or Provisioning in one pass and one status write; Planning is the
// phase of a restore that waits for what the checks find missing. Reads only the watched caches.
import type { AlmaRestore, AlmaRestoreStatus, SizingPlan } from '../api/types.js';
import type { ConditionInput } from '../api/conditions.js';
import { planSizing } from '../api/sizing.js';
import { isoNow, type Pass, type ReconcileResult } from './context.js';
import { databaseKey, type DesiredState } from './desired.js';
import { historyFor } from './inventory-status.js';
import { transition } from './lifecycle.js';
import { ACTIVE_PHASES } from './phases.js';
import { checkPlanning, type PlanningProblem } from './planning.js';

function planSummary(p: SizingPlan): string {
  return (
    `${p.totalBibRecords} bib records in ${p.institutions.length} institution(s): staging ${p.stagingSize}, database ${p.databaseSize}` +
    (p.importEstimate ? `; import ${p.importEstimate.text}` : '')
  );
}

export function planned(plan: SizingPlan): ConditionInput {
  return { type: 'Planned', status: 'True', reason: 'Planned', message: planSummary(plan) };
}

/** What the first pass adds to every status it writes: the plan and the history it was sized from. */
type Sizing = Pick<AlmaRestoreStatus, 'plan' | 'history'>;

/**
 * Pending: size the restore, then check and admit it in the same pass, so that a restore whose
 * checks pass costs one status write and one Event on its way to Queued (a thousand restores
 * applied at once cost the API server a thousand writes, not two thousand).
 */
export async function startRestore(
  pass: Pass,
  restore: AlmaRestore,
  desired: DesiredState,
): Promise<ReconcileResult> {
  // The previous restore of each institution: the baseline for sizing and for the inventory.
  const history = historyFor(restore, pass.caches.restores.list(restore.metadata.namespace));
  const plan = history.length > 0 ? planSizing(desired.resolved.spec, history) : desired.plan;
  return checkAndAdmit(
    pass,
    restore,
    { ...desired, plan },
    { plan, ...(history.length > 0 ? { history } : {}) },
  );
}

/** Pending, Planning or Queued: wait for what the checks find missing, else admit under the limits. */
export async function checkAndAdmit(
  pass: Pass,
  restore: AlmaRestore,
  desired: DesiredState,
  sizing: Sizing = { plan: desired.plan },
): Promise<ReconcileResult> {
  // A missing Secret, StorageClass or a too small claim would surface hours later: check first.
  const problems = checkPlanning(pass.caches, restore.metadata.namespace!, restore.spec, desired.plan);
  if (problems.length > 0) return waitInPlanning(pass, restore, desired, sizing, problems);
  return admit(pass, restore, desired, sizing);
}

async function waitInPlanning(
  pass: Pass,
  restore: AlmaRestore,
  desired: DesiredState,
  sizing: Sizing,
  problems: PlanningProblem[],
): Promise<ReconcileResult> {
  const message = `Waiting in Planning: ${problems.map((p) => p.message).join('; ')}`;
  if (restore.status?.progressMessage === message) return {}; // said already: nothing to write
  const notPlanned: ConditionInput = {
    type: 'Planned',
    status: 'False',
    reason: problems[0]!.reason,
    message,
  };
  // Events queued first: the background sender delivers them in the order they were recorded.
  for (const p of problems) await pass.events.record(restore, 'Warning', p.reason, p.message);
  if ((restore.status?.phase ?? 'Pending') === 'Planning')
    await pass.status.write(restore, { progressMessage: message, ...sizing }, [notPlanned]);
  else
    await transition(pass, restore, {
      to: 'Planning',
      reason: 'Planning',
      message,
      status: sizing,
      conditions: [notPlanned],
    });
  // Secrets, StorageClasses and claims are watched: their events wake the restore (manager.ts).
  return {};
}

/** Pure: why the restore must wait for a slot, or undefined when it may go on. */
export function admissionBlocker(
  restore: AlmaRestore,
  all: readonly AlmaRestore[],
  limits: { maxConcurrentRestores: number; maxConcurrentPerDatabase: number },
  databaseOfRestore: string,
): string | undefined {
  const { maxConcurrentRestores, maxConcurrentPerDatabase } = limits;
  const others = all.filter((r) => r.metadata.uid !== restore.metadata.uid);
  const created = (r: AlmaRestore) => new Date(r.metadata.creationTimestamp ?? 0).getTime();
  const mine = created(restore);
  // Active restores, plus queued ones that were created earlier (first come, first served).
  const ahead = others.filter((r) => {
    const p = r.status?.phase ?? 'Pending';
    return ACTIVE_PHASES.has(p) || (p === 'Queued' && created(r) < mine);
  });
  const sameDatabase = ahead.filter((r) => databaseKey(r) === databaseOfRestore);
  if (ahead.length < maxConcurrentRestores && sameDatabase.length < maxConcurrentPerDatabase)
    return undefined;
  return sameDatabase.length >= maxConcurrentPerDatabase
    ? `${sameDatabase.length} restore(s) already use database ${databaseOfRestore} (limit ${maxConcurrentPerDatabase})`
    : `${ahead.length} restore(s) are active or queued ahead (limit ${maxConcurrentRestores})`;
}

async function admit(
  pass: Pass,
  restore: AlmaRestore,
  desired: DesiredState,
  sizing: Sizing,
): Promise<ReconcileResult> {
  // One decision at a time, on a view that counts this process's admissions (admission-gate.ts).
  return pass.admissions.serially(async () => {
    const restores = pass.admissions.view(pass.caches.restores.list());
    const why = admissionBlocker(restore, restores, pass.options, desired.databaseKey);
    if (!why) {
      // From here on the restore owns children: guard their cleanup before anyone can see Provisioning.
      await pass.ensureFinalizer(restore);
      pass.admissions.markAdmitted(restore);
      try {
        return await transition(pass, restore, {
          to: 'Provisioning',
          reason: 'Provisioning',
          message: 'Creating the staging volume and the database',
          status: { ...sizing, startTime: isoNow(pass) },
          conditions: [planned(desired.plan)],
        });
      } catch (err) {
        pass.admissions.forget(restore);
        throw err;
      }
    }
    if (restore.status?.phase !== 'Queued') {
      await transition(pass, restore, {
        to: 'Queued',
        reason: 'Queued',
        message: `Waiting for a free slot: ${why}`,
        status: sizing,
        conditions: [planned(desired.plan)],
      });
    }
    return {}; // a restore leaving an active phase wakes it (queue-wakeup.ts)
  });
}
