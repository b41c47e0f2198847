// status.inventory as Prometheus gauges: alma_restore_records{institution, area} and, where a
// baseline exists, alma_restore_records_previous. The InventoryDrop alert compares the two.
import type { AlmaRestoreStatus } from '../api/types.js';
import type { Metrics } from '../runtime/metrics.js';

export function exportInventory(
  metrics: Pick<Metrics, 'records' | 'recordsPrevious'>,
  labels: { namespace: string; restore: string },
  inventory: AlmaRestoreStatus['inventory'],
): void {
  for (const inst of inventory ?? []) {
    for (const a of inst.areas) {
      const l = { ...labels, institution: inst.institutionId, area: a.area };
      if (a.count !== undefined) metrics.records.set(l, a.count);
      if (a.previous !== undefined) metrics.recordsPrevious.set(l, a.previous);
    }
  }
}

/** Removes a deleted restore's inventory series (prom-client removes only exact label sets). */
export async function forgetInventory(
  metrics: Pick<Metrics, 'records' | 'recordsPrevious'>,
  labels: { namespace: string; restore: string },
): Promise<void> {
  for (const gauge of [metrics.records, metrics.recordsPrevious]) {
    for (const v of (await gauge.get()).values) {
      if (v.labels.namespace === labels.namespace && v.labels.restore === labels.restore)
        gauge.remove(v.labels as Record<string, string>);
    }
  }
}
