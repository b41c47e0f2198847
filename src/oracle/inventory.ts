// The narrow interface the verify step's data inventory needs from Oracle: which of the Alma
// tables and columns the restored schema has, and one counting query per table. Queries are
// structured (table, optional GROUP BY column, named measures with AND-ed conditions) so that the
// SQL is rendered in one reviewable place (sql/inventory.ts) and the in-memory double
// (test/support/alma-schema-double.ts) evaluates the same structure with Oracle's NULL rules.

/** One comparison. Oracle semantics: a NULL column satisfies none of them (SQL Language Reference, "Nulls in Conditions"). */
export interface CountCondition {
  column: string;
  op: '=' | '<>' | 'in';
  values: (string | number)[];
}

/** COUNT(CASE WHEN <all conditions> THEN 1 END) AS <name>; no condition counts every row. */
export interface CountMeasure {
  name: string;
  where: CountCondition[];
}

export interface CountQuery {
  schema: string;
  table: string;
  /** One row per distinct value of this column (NULL is a group of its own), or one row in all. */
  groupBy?: string;
  measures: CountMeasure[];
  /** Degree for the PARALLEL hint: one parallel full scan of the table answers every measure. */
  parallel: number;
}

export interface CountRow {
  /** The GROUP BY column's value as text (null for the NULL group, and when not grouped). */
  group: string | null;
  counts: Record<string, number>;
}

export interface InventoryReader {
  /** The columns (upper case) of each named table that exists in the schema; absent tables are not in the map. */
  tableColumns(schema: string, tables: string[]): Promise<Map<string, Set<string>>>;
  count(query: CountQuery): Promise<CountRow[]>;
}

export interface InventorySession extends InventoryReader {
  close(): Promise<void>;
}
