// The per-restore gauges a step's outcome feeds (the Grafana dashboard's import progress/ETA and
// fetch throughput panels), kept out of the reconciler: the reconciler calls these at the point
// where it knows the figures. Pure apart from setting gauges.
import type { AlmaRestore } from '../api/types.js';
import type { Metrics } from '../runtime/metrics.js';

const labelsOf = (restore: AlmaRestore) => ({
  namespace: restore.metadata.namespace!,
  restore: restore.metadata.name,
});

/** Data Pump's own fraction done (0..1), while the import runs. */
export function recordImportProgress(metrics: Metrics, restore: AlmaRestore, fraction: number): void {
  metrics.importProgressRatio.set(labelsOf(restore), Math.min(1, Math.max(0, fraction)));
}

/** A finished fetch: its throughput, from the result's bytesTransferred and the step's duration. */
export function recordFetchResult(
  metrics: Metrics,
  restore: AlmaRestore,
  summary: Record<string, unknown> | undefined,
  seconds: number,
): void {
  const bytes = Number(summary?.bytesTransferred);
  if (!Number.isFinite(bytes) || bytes <= 0 || !(seconds > 0)) return;
  metrics.fetchThroughput.set(labelsOf(restore), bytes / seconds);
}

/** The restore is gone: drop its series. */
export function forgetStepMetrics(metrics: Metrics, namespace: string, restore: string): void {
  metrics.importProgressRatio.remove({ namespace, restore });
  metrics.fetchThroughput.remove({ namespace, restore });
}
