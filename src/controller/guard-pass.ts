// One tablespace guard pass for a restore in Importing, into status: the tablespaces and the
// datafiles added (status.actions), the Degraded condition (an alert, an earlier step's warnings,
// or AsExpected), the import's share done when the step itself does not report it, and the
// guard's own next look (its database calls have no event: this is a timer by nature).
import type { AlmaRestore, AlmaRestoreStatus } from '../api/types.js';
import { errorMessage } from '../errors.js';
import { MAX_ACTIONS, type Pass, type ReconcileResult } from './context.js';
import type { DesiredState } from './desired.js';
import { overallProgress } from './phases.js';
import { recordImportProgress } from './step-metrics.js';

export async function guardTablespaces(
  pass: Pass,
  restore: AlmaRestore,
  desired: DesiredState,
  /** The import step reports its own progress: the guard's estimate is not needed. */
  stepReportsProgress: boolean,
): Promise<ReconcileResult> {
  try {
    const report = await pass.guard!.check(restore, desired);
    const actions = [...(restore.status?.actions ?? []), ...(report.actions ?? [])].slice(-MAX_ACTIONS);
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
    for (const a of report.actions ?? [])
      await pass.events.record(restore, 'Normal', 'TablespaceGrown', a.action);
    return { requeueAfterMs: report.pollAfterMs };
  } catch (err) {
    pass.log.warn({ err: errorMessage(err) }, 'tablespace guard pass failed');
    return { requeueAfterMs: 60_000 };
  }
}
