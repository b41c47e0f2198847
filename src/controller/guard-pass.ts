// The tablespace guard's part of a reconcile pass of a restore in Importing: register it with the
// guard loop (guard-loop.ts: the database calls run there, never in a reconcile worker) and, when
// the loop has a report not yet recorded, write it into status: the tablespaces and the datafiles
// added (status.actions), the Degraded condition (an alert, an earlier step's warnings, or
// AsExpected), the import's share done when the step itself does not report it, and the Events
// (TablespaceAlmostFull, TablespaceGrown). Each report is recorded once; the loop wakes the
// restore when the next one arrives, so this adds no timer to the pass.
import type { AlmaRestore, AlmaRestoreStatus } from '../api/types.js';
import { MAX_ACTIONS, type Pass } from './context.js';
import type { DesiredState } from './desired.js';
import { overallProgress } from './phases.js';
import { recordImportProgress } from './step-metrics.js';

export async function guardTablespaces(
  pass: Pass,
  restore: AlmaRestore,
  desired: DesiredState,
  /** The import step reports its own progress: the guard's estimate is not needed. */
  stepReportsProgress: boolean,
): Promise<void> {
  const guard = pass.guard!;
  const key = `${restore.metadata.namespace}/${restore.metadata.name}`;
  guard.register(key, restore, desired);
  const pending = guard.pending(key);
  if (!pending) return;
  const { report } = pending;
  const prior = restore.status?.actions ?? [];
  // An action already listed (a write that reached the server before its reply was lost) stays one entry.
  const added = (report.actions ?? []).filter(
    (a) => !prior.some((p) => p.time === a.time && p.action === a.action),
  );
  const actions = [...prior, ...added].slice(-MAX_ACTIONS);
  const degraded = report.alerts.length > 0;
  // Warnings of an earlier step keep the restore Degraded; the guard only adds its own.
  const warned = Object.entries(restore.status?.steps ?? {}).find(
    ([, st]) => st?.phase === 'SucceededWithWarnings',
  );
  const progress: Partial<AlmaRestoreStatus> = {};
  if (report.importFraction !== undefined && !stepReportsProgress) {
    progress.progress = overallProgress('Importing', report.importFraction);
    recordImportProgress(pass.metrics, restore, report.importFraction);
    progress.progressMessage = `Importing: Data Pump reports ${Math.round(report.importFraction * 100)}% done`;
    if (progress.progress > (restore.status?.progress ?? 0)) pass.markProgress(restore);
  }
  await pass.status.write(restore, { tablespaces: report.tablespaces, actions, ...progress }, [
    degraded
      ? {
          type: 'Degraded',
          status: 'True',
          reason: 'TablespaceAlmostFull',
          message: report.alerts.join('; '),
        }
      : warned
        ? {
            type: 'Degraded',
            status: 'True',
            reason: 'SucceededWithWarnings',
            message: `${warned[0]}: ${warned[1]?.message ?? ''}`,
          }
        : {
            type: 'Degraded',
            status: 'False',
            reason: 'AsExpected',
            message: 'Tablespaces below the alert ratio',
          },
  ]);
  for (const alert of report.alerts)
    await pass.events.record(restore, 'Warning', 'TablespaceAlmostFull', alert);
  for (const a of added) await pass.events.record(restore, 'Normal', 'TablespaceGrown', a.action);
  guard.recorded(key, pending.seq);
}
