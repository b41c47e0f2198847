// An in-memory double of a restored Alma schema for the verify step's data inventory: tables
// with rows, read through the InventoryReader interface. It behaves as Oracle does where the
// inventory depends on it, and refuses what Oracle refuses:
// - ALL_TAB_COLUMNS lists only the tables and columns that exist (Database Reference, ALL_TAB_COLUMNS);
// - a query on a missing table fails ORA-00942 "table or view does not exist", on a missing column
//   ORA-00904 "invalid identifier" (Database Error Messages);
// - a NULL column satisfies no comparison, = <> or IN (SQL Language Reference, "Nulls in Conditions"),
//   and GROUP BY puts all NULLs in one group (SQL Language Reference, SELECT, group_by_clause);
// - COUNT(expr) counts the rows where expr is not NULL (SQL Language Reference, COUNT).
// The synthetic schema below is written from the vendor's table definitions
// (shared/reference/alma-local-backup-guide.txt), independently of src/steps/verify/inventory-areas.ts,
// so that a wrong rule there shows as a wrong count.
import type { CountCondition, CountQuery, CountRow, InventorySession } from '../../src/oracle/inventory.js';

type Value = string | number | null;
type Row = Record<string, Value>;

export class AlmaSchemaDouble implements InventorySession {
  /** schema -> table -> { columns, rows } */
  readonly schemas = new Map<string, Map<string, { columns: string[]; rows: Row[] }>>();
  readonly queries: CountQuery[] = [];
  closed = false;

  table(schema: string, table: string, columns: string[], rows: Row[] = []): void {
    if (!this.schemas.has(schema)) this.schemas.set(schema, new Map());
    this.schemas.get(schema)!.set(table, { columns: columns.map((c) => c.toUpperCase()), rows });
  }

  drop(schema: string, table: string): void {
    this.schemas.get(schema)?.delete(table);
  }

  async tableColumns(schema: string, tables: string[]): Promise<Map<string, Set<string>>> {
    const out = new Map<string, Set<string>>();
    for (const t of tables) {
      const found = this.schemas.get(schema)?.get(t);
      if (found) out.set(t, new Set(found.columns));
    }
    return out;
  }

  async count(query: CountQuery): Promise<CountRow[]> {
    this.queries.push(query);
    const found = this.schemas.get(query.schema)?.get(query.table);
    if (!found) throw oraError(942, 'table or view does not exist');
    const used = [
      ...(query.groupBy ? [query.groupBy] : []),
      ...query.measures.flatMap((m) => m.where.map((c) => c.column)),
    ];
    const unknown = used.find((c) => !found.columns.includes(c));
    if (unknown) throw oraError(904, `"${unknown}": invalid identifier`);
    const groups = new Map<string | null, Row[]>();
    for (const row of found.rows) {
      const key = query.groupBy ? asText(row[query.groupBy] ?? null) : null;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key)!.push(row);
    }
    // Without GROUP BY an aggregate returns one row, also over no rows.
    if (!query.groupBy && groups.size === 0) groups.set(null, []);
    return [...groups].map(([group, rows]) => ({
      group,
      counts: Object.fromEntries(
        query.measures.map((m) => [m.name, rows.filter((r) => m.where.every((c) => holds(r, c))).length]),
      ),
    }));
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

function oraError(code: number, text: string): Error & { errorNum: number } {
  return Object.assign(new Error(`ORA-${String(code).padStart(5, '0')}: ${text}`), { errorNum: code });
}

const asText = (v: Value) => (v === null ? null : String(v));

/** Oracle's three-valued logic: NULL compared with anything is unknown, which is not true. */
function holds(row: Row, c: CountCondition): boolean {
  const v = row[c.column] ?? null;
  if (v === null) return false;
  const same = (x: string | number) => String(x) === String(v);
  if (c.op === '=') return same(c.values[0]!);
  if (c.op === '<>') return !same(c.values[0]!);
  return c.values.some(same);
}

/** What one synthetic institution holds, area by area (the figures a correct inventory reports). */
export interface SyntheticInstitution {
  bibActiveByLibrary: Record<string, number>;
  bibDeleted: number;
  holdings: number;
  authorities: number;
  physicalItems: number;
  portfolios: number;
  representations: number;
  files: number;
  users: number;
  activeLoans: number;
  requests: number;
  poLines: number;
  invoices: number;
  vendors: number;
  funds: number;
  licenses: number;
  finesFees: number;
}

export const SMALL_INSTITUTION: SyntheticInstitution = {
  bibActiveByLibrary: { '1001': 600, '1002': 300, '': 100 },
  bibDeleted: 40,
  holdings: 800,
  authorities: 25,
  physicalItems: 1500,
  portfolios: 420,
  representations: 30,
  files: 90,
  users: 350,
  activeLoans: 75,
  requests: 12,
  poLines: 60,
  invoices: 44,
  vendors: 18,
  funds: 9,
  licenses: 7,
  finesFees: 5,
};

const BASE = ['ID', 'CUSTOMERID', 'INSTITUTIONID', 'LIBRARYID'];
const times = (n: number, make: (i: number) => Row): Row[] => Array.from({ length: n }, (_, i) => make(i));

/**
 * Fills `schema` with the vendor's tables for one institution: the rows that count, plus rows of
 * the same tables that a correct inventory must NOT count (deleted, completed, inactive, closed,
 * other object types, NULLs), one kind each.
 */
export function fillAlmaSchema(
  db: AlmaSchemaDouble,
  schema: string,
  inst: SyntheticInstitution,
  ids = { customer: 3900, institution: 3978 },
): void {
  const own = (extra: Row, library: string | null = null): Row => ({
    ID: 0,
    CUSTOMERID: ids.customer,
    INSTITUTIONID: ids.institution,
    LIBRARYID: library,
    ...extra,
  });
  const mms: Row[] = [];
  for (const [library, n] of Object.entries(inst.bibActiveByLibrary))
    mms.push(
      ...times(n, () => own({ OBJECTTYPE: 'BIB_MMS', LIFE_CYCLE: 0 }, library === '' ? null : library)),
    );
  mms.push(...times(inst.bibDeleted, () => own({ OBJECTTYPE: 'BIB_MMS', LIFE_CYCLE: 3 })));
  mms.push(...times(inst.holdings, () => own({ OBJECTTYPE: 'HOLDING', LIFE_CYCLE: 0 })));
  mms.push(own({ OBJECTTYPE: 'HOLDING', LIFE_CYCLE: 3 }));
  mms.push(...times(inst.authorities, () => own({ OBJECTTYPE: 'AUTHORITY_MMS', LIFE_CYCLE: 0 })));
  mms.push(own({ OBJECTTYPE: 'BIB_MMS', LIFE_CYCLE: null }));
  db.table(schema, 'MMS_RECORD', [...BASE, 'OBJECTTYPE', 'LIFE_CYCLE', 'VALUE'], mms);

  const live = 'IN_PERMANENT_REPOSITORY';
  const hde: Row[] = [
    ...times(inst.physicalItems, () => own({ OBJECTTYPE: 'ITEM', LIFECYCLE: live })),
    own({ OBJECTTYPE: 'ITEM', LIFECYCLE: 'DELETED' }),
    own({ OBJECTTYPE: 'ITEM', LIFECYCLE: null }),
    own({ OBJECTTYPE: 'IEP', LIFECYCLE: live }),
    own({ OBJECTTYPE: 'HOLDING', LIFECYCLE: live }),
    ...times(inst.portfolios, () => own({ OBJECTTYPE: 'PORTFOLIO', LIFECYCLE: live })),
    own({ OBJECTTYPE: 'IEE', LIFECYCLE: live }),
    ...times(inst.representations, (i) =>
      own({ OBJECTTYPE: i % 2 ? 'REPRESENTATION' : 'REMOTE_REPRESENTATION', LIFECYCLE: live }),
    ),
    own({ OBJECTTYPE: 'IED', LIFECYCLE: live }),
    ...times(inst.files, () => own({ OBJECTTYPE: 'FILE', LIFECYCLE: live })),
    own({ OBJECTTYPE: 'FILE', LIFECYCLE: 'DELETED' }),
  ];
  db.table(schema, 'HDEMETADATA', [...BASE, 'OBJECTTYPE', 'LIFECYCLE', 'MID', 'PARENT_ID'], hde);

  db.table(
    schema,
    'HFRUSER',
    [...BASE, 'STATUS', 'RECORD_TYPE'],
    [...times(inst.users, () => own({ STATUS: 0 })), own({ STATUS: 1 })],
  );
  db.table(
    schema,
    'ITEM_LOAN',
    [...BASE, 'LOAN_STATUS', 'ITEM_ID', 'USER_ID'],
    [
      ...times(inst.activeLoans, (i) => own({ LOAN_STATUS: i % 3 === 0 ? 1 : 0 })),
      ...times(3, () => own({ LOAN_STATUS: 2 })),
    ],
  );
  db.table(
    schema,
    'FUL_REQUEST',
    [...BASE, 'REQUEST_STATUS'],
    [
      ...times(inst.requests, (i) => own({ REQUEST_STATUS: i % 2 ? 'ACTIVE' : 'READY' })),
      own({ REQUEST_STATUS: 'REJECTED' }),
      own({ REQUEST_STATUS: 'FAILED' }),
    ],
  );
  db.table(
    schema,
    'PO_LINE',
    [...BASE, 'STATUS', 'PO_ID'],
    times(inst.poLines, () => own({ STATUS: 'ACTIVE' })),
  );
  db.table(
    schema,
    'INVOICE',
    [...BASE, 'STATUS'],
    times(inst.invoices, () => own({ STATUS: 'CLOSED' })),
  );
  db.table(
    schema,
    'VENDOR',
    [...BASE, 'STATUS'],
    [...times(inst.vendors, (i) => own({ STATUS: i % 4 === 0 ? 0 : 1 })), own({ STATUS: 2 })],
  );
  db.table(
    schema,
    'FUND_LEDGER',
    [...BASE, 'ENTITY_TYPE', 'STATUS'],
    [
      ...times(inst.funds, () => own({ ENTITY_TYPE: 'ALLOCATED', STATUS: 'ACTIVE' })),
      own({ ENTITY_TYPE: 'LEDGER', STATUS: 'ACTIVE' }),
      own({ ENTITY_TYPE: 'SUMMARY', STATUS: 'ACTIVE' }),
    ],
  );
  db.table(
    schema,
    'LICENSE',
    [...BASE, 'STATUS', 'TYPE'],
    [
      ...times(inst.licenses, () => own({ STATUS: 'ACTIVE', TYPE: 'LICENSE' })),
      own({ STATUS: 'DELETED', TYPE: 'LICENSE' }),
    ],
  );
  db.table(
    schema,
    'USER_FINES_FEES',
    [...BASE, 'FINE_FEE_STATUS', 'USER_ID'],
    [
      ...times(inst.finesFees, (i) => own({ FINE_FEE_STATUS: i % 2 ? 'ACTIVE' : 'INDISPUTE' })),
      own({ FINE_FEE_STATUS: 'CLOSED' }),
    ],
  );
}

/** The figures a correct inventory reports for `inst`, by area name. */
export function expectedFigures(inst: SyntheticInstitution): Record<string, number> {
  return {
    bibActive: Object.values(inst.bibActiveByLibrary).reduce((a, b) => a + b, 0),
    bibDeleted: inst.bibDeleted,
    holdings: inst.holdings,
    authorities: inst.authorities,
    physicalItems: inst.physicalItems,
    portfolios: inst.portfolios,
    digitalRepresentations: inst.representations,
    digitalFiles: inst.files,
    users: inst.users,
    activeLoans: inst.activeLoans,
    requests: inst.requests,
    poLines: inst.poLines,
    invoices: inst.invoices,
    vendors: inst.vendors,
    funds: inst.funds,
    licenses: inst.licenses,
    finesFees: inst.finesFees,
  };
}
