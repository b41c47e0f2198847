// Checks of the data inventory against what is known: the institution's declared bibRecords, and
// the same institution's previous Succeeded restore. A check that trips is a warning (the restore
// ends SucceededWithWarnings, never a silent Succeeded); growth is reported, not flagged. Pure.
import type { InventoryBaseline } from '../../contract/step-config.js';
import type { VerifyCheck } from './checks.js';
import type { InstitutionInventory } from './inventory.js';
import { AREA_RULES, type InventoryArea } from './inventory-areas.js';

export interface InventoryTolerances {
  /** Allowed relative difference of active bib records from the declared bibRecords (0.1 = 10%). */
  bibRecordsTolerance: number;
  /** A drop beyond this share of the previous figure, in any area, is a warning (0.02 = 2%). */
  dropTolerance: number;
}

const fmt = (n: number) => n.toLocaleString('en-US');
const pct = (r: number) => `${(r * 100).toFixed(1)}%`;
const labelOf = (area: InventoryArea) => AREA_RULES.find((r) => r.area === area)?.label ?? area;

export function inventoryChecks(
  inv: InstitutionInventory,
  declaredBibRecords: number,
  tolerances: InventoryTolerances,
  previous?: InventoryBaseline,
): VerifyCheck[] {
  return [
    declaredCheck(inv, declaredBibRecords, tolerances.bibRecordsTolerance),
    ...(previous ? [previousCheck(inv, previous, tolerances.dropTolerance)] : []),
    ...countErrors(inv),
  ];
}

function declaredCheck(inv: InstitutionInventory, declared: number, tolerance: number): VerifyCheck {
  const expected = `${fmt(declared)} active bibliographic records (spec bibRecords) within ${pct(tolerance)}`;
  const bib = inv.areas.find((a) => a.area === 'bibActive');
  if (bib?.count === undefined) {
    return {
      name: 'bibRecordsDeclared',
      severity: 'warning',
      passed: false,
      expected,
      observed: `active bibliographic records not counted: ${bib?.absent ?? bib?.error ?? 'no MMS_RECORD'}`,
      action:
        "check that the delivery is the institution's full Local Backup (MMS_RECORD holds the bibliographic records)",
    };
  }
  const diff = declared === 0 ? (bib.count === 0 ? 0 : 1) : (bib.count - declared) / declared;
  const passed = Math.abs(diff) <= tolerance;
  return {
    name: 'bibRecordsDeclared',
    severity: 'warning',
    passed,
    expected,
    observed: `${fmt(bib.count)} active bibliographic records, ${pct(Math.abs(diff))} ${diff < 0 ? 'fewer' : 'more'} than the ${fmt(declared)} declared`,
    ...(passed
      ? {}
      : {
          action:
            diff < 0
              ? 'a short delivery (truncated export, missing dump file, wrong institution) looks like this: compare with Alma; if the declared figure is out of date, update spec.institutions[].bibRecords'
              : 'update spec.institutions[].bibRecords to the current figure (it sizes the next restore)',
        }),
  };
}

/** Relative change per area against the previous restore; undefined where either side is missing. */
export function changeAgainst(
  figure: number | undefined,
  previous: number | null | undefined,
): number | undefined {
  if (figure === undefined || previous === null || previous === undefined) return undefined;
  if (previous === 0) return figure === 0 ? 0 : undefined;
  return (figure - previous) / previous;
}

function previousCheck(inv: InstitutionInventory, previous: InventoryBaseline, drop: number): VerifyCheck {
  const dropped: string[] = [];
  const grew: string[] = [];
  for (const a of inv.areas) {
    const before = previous.figures[a.area];
    if (before === null || before === undefined) continue;
    if (a.count === undefined) {
      if (before > 0)
        dropped.push(
          `${labelOf(a.area)}: ${fmt(before)} in ${previous.restore}, now not counted (${a.absent ?? a.error})`,
        );
      continue;
    }
    const change = changeAgainst(a.count, before);
    if (change === undefined) continue;
    const line = `${labelOf(a.area)} ${fmt(before)} -> ${fmt(a.count)} (${change >= 0 ? '+' : ''}${pct(change)})`;
    if (change < -drop) dropped.push(line);
    else if (change > 0) grew.push(line);
  }
  return {
    name: 'inventoryAgainstPrevious',
    severity: 'warning',
    passed: dropped.length === 0,
    expected: `no area below ${previous.restore} by more than ${pct(drop)}`,
    observed:
      dropped.length > 0
        ? `dropped: ${dropped.join('; ')}`
        : grew.length > 0
          ? `no drop; grew: ${grew.slice(0, 5).join('; ')}${grew.length > 5 ? ` and ${grew.length - 5} more` : ''}`
          : `no change beyond ${pct(drop)} from ${previous.restore}`,
    ...(dropped.length > 0
      ? {
          action: `compare with Alma before relying on this copy: a drop this size usually means a short or wrong delivery (previous: ${previous.restore})`,
        }
      : {}),
  };
}

function countErrors(inv: InstitutionInventory): VerifyCheck[] {
  const failed = inv.areas.filter((a) => a.error);
  if (failed.length === 0) return [];
  return [
    {
      name: 'inventoryCounted',
      severity: 'warning',
      passed: false,
      expected: 'every area of the inventory counted',
      observed: `${failed.map((a) => a.area).join(', ')} not counted: ${failed[0]!.error}`,
    },
  ];
}
