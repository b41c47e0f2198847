// The data inventory in the AlmaRestore status, and the history it is compared with. Pure:
// - historyFor: at Pending, the previous Succeeded restore of each institution (same namespace,
//   customer and institution id, newest completion first), with the figures it measured: its
//   inventory, dump bytes (fetch), tablespace bytes used (the guard) and import time. Stored in
//   status.history, so that the baseline survives the old restore's deletion and every later
//   pass sizes and compares against the same thing.
// - inventoryStatus: status.inventory from the verify step's summary, joined with that baseline.
import type {
  AlmaRestore,
  InstitutionInventoryStatus,
  InventoryAreaStatus,
  RestoreHistory,
} from '../api/types.js';
import { figuresOf, type CompactInventory, type FetchSummary } from '../contract/summaries.js';

const key = (r: AlmaRestore) => `${r.metadata.namespace}/${r.metadata.name}`;

export function historyFor(restore: AlmaRestore, candidates: readonly AlmaRestore[]): RestoreHistory[] {
  const earlier = candidates
    .filter(
      (c) =>
        c.metadata.uid !== restore.metadata.uid &&
        c.metadata.namespace === restore.metadata.namespace &&
        c.spec.customerId === restore.spec.customerId &&
        c.status?.phase === 'Succeeded' &&
        (c.status.inventory?.length ?? 0) > 0,
    )
    .sort((a, b) => (b.status?.completionTime ?? '').localeCompare(a.status?.completionTime ?? ''));
  const out: RestoreHistory[] = [];
  for (const inst of restore.spec.institutions) {
    for (const c of earlier) {
      const inv = c.status!.inventory!.find((i) => i.institutionId === inst.institutionId);
      if (!inv) continue;
      out.push(measured(c, inst.institutionId, inv));
      break;
    }
  }
  return out;
}

function measured(c: AlmaRestore, institutionId: string, inv: InstitutionInventoryStatus): RestoreHistory {
  const status = c.status!;
  const bibActive = inv.areas.find((a) => a.area === 'bibActive')?.count;
  const fetched = (
    status.steps?.fetch?.summary?.institutions as Partial<FetchSummary['institutions'][number]>[] | undefined
  )?.find((i) => i.id === institutionId)?.extractedBytes;
  const used = status.tablespaces?.find((t) => t.institutionId === institutionId)?.usedBytes;
  const imp = status.steps?.import;
  const importSeconds =
    imp?.startTime && imp.completionTime
      ? Math.round((Date.parse(imp.completionTime) - Date.parse(imp.startTime)) / 1000)
      : undefined;
  return {
    institutionId,
    restore: key(c),
    ...(status.completionTime ? { completedAt: status.completionTime } : {}),
    ...(bibActive ? { bibActive } : {}),
    ...(typeof fetched === 'number' && fetched > 0 ? { dumpBytes: fetched } : {}),
    ...(used ? { tablespaceUsedBytes: used } : {}),
    // A multi-institution import is one step: its time is only this institution's when alone.
    ...(importSeconds && c.spec.institutions.length === 1 ? { importSeconds } : {}),
    figures: inv.areas.map((a) => ({ area: a.area, ...(a.count !== undefined ? { count: a.count } : {}) })),
  };
}

function isCompactInventory(v: unknown): v is CompactInventory {
  const c = v as CompactInventory | undefined;
  return !!c && Array.isArray(c.areas) && Array.isArray(c.institutions);
}

export function inventoryStatus(
  summaryInventory: unknown,
  history: readonly RestoreHistory[] = [],
): InstitutionInventoryStatus[] | undefined {
  if (!isCompactInventory(summaryInventory)) return undefined;
  return summaryInventory.institutions.map((inst) => {
    const figures = figuresOf(summaryInventory, inst.institutionId);
    const base = history.find((h) => h.institutionId === inst.institutionId);
    const areas = Object.entries(figures).map(([area, count]): InventoryAreaStatus => {
      const previous = base?.figures.find((f) => f.area === area)?.count;
      const out: InventoryAreaStatus = { area };
      if (typeof count === 'number') out.count = count;
      else out.notInDelivery = true;
      if (previous !== undefined) out.previous = previous;
      if (typeof count === 'number' && previous)
        out.change = Math.round(((count - previous) / previous) * 10_000) / 10_000;
      return out;
    });
    return {
      institutionId: inst.institutionId,
      exact: true,
      ...(base ? { baseline: base.restore } : {}),
      areas,
    };
  });
}
