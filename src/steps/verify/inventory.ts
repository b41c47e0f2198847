// The data inventory of one restored institution: how many bibliographic records, items, users,
// loans, ... came back (the areas of inventory-areas.ts). Each table is counted exactly, once,
// with one parallel full scan (sql/inventory.ts); a table or column the restored schema lacks is
// "not in this delivery", never an error of the step.
import { errorMessage } from '../../errors.js';
import type { CountMeasure, InventoryReader } from '../../oracle/inventory.js';
import { AREA_RULES, PER_LIBRARY, type AreaRule, type InventoryArea } from './inventory-areas.js';

export interface AreaCount {
  area: InventoryArea;
  label: string;
  table: string;
  /** Absent when the area could not be counted (see absent / error). */
  count?: number;
  /** Every figure here is an exact COUNT, not an estimate from optimizer statistics. */
  exact: boolean;
  /** Why it is not counted: the table or a column is not in this delivery. */
  absent?: string;
  /** The count failed (the database's error). */
  error?: string;
}

export interface LibraryCount {
  /** LIBRARYID as text; null for records that carry none (institution-level records). */
  libraryId: string | null;
  counts: Partial<Record<InventoryArea, number>>;
}

export interface InstitutionInventory {
  areas: AreaCount[];
  /** The bibliographic area per LIBRARYID, largest first (empty when the column is absent). */
  byLibrary: LibraryCount[];
  /** Wall time of all counts, seconds. */
  seconds: number;
}

const columnsOf = (rule: AreaRule) => rule.where.map((c) => c.column);

export async function takeInventory(
  reader: InventoryReader,
  schema: string,
  degree: number,
  now: () => number = Date.now,
): Promise<InstitutionInventory> {
  const started = now();
  const tables = [...new Set(AREA_RULES.map((r) => r.table))];
  const columns = await reader.tableColumns(schema, tables);
  const areas: AreaCount[] = [];
  let byLibrary: LibraryCount[] = [];
  for (const table of tables) {
    const rules = AREA_RULES.filter((r) => r.table === table);
    const have = columns.get(table);
    const countable: AreaRule[] = [];
    for (const rule of rules) {
      const base = { area: rule.area, label: rule.label, table, exact: true };
      const missing = columnsOf(rule).find((c) => !have?.has(c));
      if (!have) areas.push({ ...base, absent: `table ${table} is not in this delivery` });
      else if (missing) areas.push({ ...base, absent: `column ${table}.${missing} is not in this delivery` });
      else countable.push(rule);
    }
    if (countable.length === 0) continue;
    const groupBy =
      table === PER_LIBRARY.table && have?.has(PER_LIBRARY.column) ? PER_LIBRARY.column : undefined;
    const measures: CountMeasure[] = countable.map((r) => ({ name: r.area, where: r.where }));
    try {
      const rows = await reader.count({
        schema,
        table,
        measures,
        parallel: degree,
        ...(groupBy ? { groupBy } : {}),
      });
      for (const rule of countable) {
        const count = rows.reduce((n, row) => n + (row.counts[rule.area] ?? 0), 0);
        areas.push({ area: rule.area, label: rule.label, table, exact: true, count });
      }
      if (groupBy) {
        byLibrary = rows
          .map((row) => ({
            libraryId: row.group,
            counts: Object.fromEntries(countable.map((r) => [r.area, row.counts[r.area] ?? 0])),
          }))
          .sort((a, b) => (b.counts.bibActive ?? 0) - (a.counts.bibActive ?? 0));
      }
    } catch (err) {
      for (const rule of countable)
        areas.push({ area: rule.area, label: rule.label, table, exact: true, error: errorMessage(err) });
    }
  }
  const order = new Map(AREA_RULES.map((r, i) => [r.area, i]));
  areas.sort((a, b) => order.get(a.area)! - order.get(b.area)!);
  return { areas, byLibrary, seconds: Math.round((now() - started) / 100) / 10 };
}

/** The figures only, for the termination message and status: null where the area is not counted. */
export function inventoryFigures(inv: InstitutionInventory): Partial<Record<InventoryArea, number | null>> {
  return Object.fromEntries(inv.areas.map((a) => [a.area, a.count ?? null]));
}
