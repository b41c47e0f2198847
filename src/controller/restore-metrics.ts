// The per-restore metrics this process exports from status: the phase, the progress, the
// inventory, and the last-progress time the Stalled alert reads; forgotten when the restore is
// gone. Written on every pass from what status holds, so a restarted controller reports every
// restore (a Failed one included) before anything changes.
import { PHASES, type AlmaRestore } from '../api/types.js';
import type { Metrics } from '../runtime/metrics.js';
import type { ProgressMarks } from './context.js';
import { exportInventory, forgetInventory } from './inventory-metrics.js';
import { forgetStepMetrics } from './step-metrics.js';

export class RestoreMetrics implements ProgressMarks {
  /** Restores whose last-progress gauge this process has set. */
  private readonly progressExported = new Set<string>();

  constructor(
    private readonly metrics: Metrics,
    private readonly now: () => Date,
  ) {}

  /** Exports what status holds; on first sight, the last progress is the latest condition change. */
  observe(restore: AlmaRestore) {
    this.export(restore);
    if (!this.progressExported.has(keyOf(restore)))
      this.markProgress(restore, lastTransition(restore) ?? this.now());
  }

  export(restore: AlmaRestore) {
    const labels = { namespace: restore.metadata.namespace!, restore: restore.metadata.name };
    const phase = restore.status?.phase ?? 'Pending';
    this.metrics.restorePhase.remove(labels as never);
    for (const p of PHASES) this.metrics.restorePhase.set({ ...labels, phase: p }, p === phase ? 1 : 0);
    this.metrics.progressRatio.set(labels, (restore.status?.progress ?? 0) / 100);
    exportInventory(this.metrics, labels, restore.status?.inventory);
  }

  /** Feeds the Stalled alert: the restore moved (a phase change, or the import's percent grew). */
  markProgress(restore: AlmaRestore, at: Date = this.now()) {
    this.progressExported.add(keyOf(restore));
    this.metrics.lastProgressTimestamp.set(
      { namespace: restore.metadata.namespace!, restore: restore.metadata.name },
      at.getTime() / 1000,
    );
  }

  forget(namespace: string, restore: string) {
    this.progressExported.delete(`${namespace}/${restore}`);
    const m = this.metrics;
    for (const p of PHASES) m.restorePhase.remove({ namespace, restore, phase: p });
    m.progressRatio.remove({ namespace, restore });
    m.lastProgressTimestamp.remove({ namespace, restore });
    forgetStepMetrics(m, namespace, restore);
    void forgetInventory(m, { namespace, restore });
  }
}

const keyOf = (r: AlmaRestore) => `${r.metadata.namespace}/${r.metadata.name}`;

/** When the restore last changed state, as its conditions record it. */
function lastTransition(restore: AlmaRestore): Date | undefined {
  const times = (restore.status?.conditions ?? []).map((c) => new Date(c.lastTransitionTime).getTime());
  return times.length > 0 ? new Date(Math.max(...times)) : undefined;
}
