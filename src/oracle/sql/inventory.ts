// The SQL of the data inventory (see ../inventory.ts), for a DBA to review. Pure.
// Each table is read once: a parallel full scan answers all of its measures through conditional
// aggregation (COUNT ignores NULL, so COUNT(CASE WHEN ... THEN 1 END) counts matching rows), which
// costs one read of each table, less than the import spent writing and indexing it.
// Identifiers come from our own table of Alma areas and from validated schema names; they are
// still checked and double-quoted here. Values are binds.
import type { CountCondition, CountQuery } from '../inventory.js';

const IDENTIFIER = /^[A-Z][A-Z0-9_$#]{0,127}$/;

function quoted(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`not a plain Oracle identifier: ${JSON.stringify(name)}`);
  return `"${name}"`;
}

/** ALL_TAB_COLUMNS for a fixed list of tables: one bind per name (no collection binds in thin mode). */
export function tableColumnsSql(
  owner: string,
  tables: string[],
): { sql: string; binds: Record<string, string> } {
  const binds: Record<string, string> = { owner };
  const names = tables.map((t, i) => {
    binds[`t${i}`] = t;
    return `:t${i}`;
  });
  return {
    sql: `SELECT table_name, column_name FROM all_tab_columns WHERE owner = :owner AND table_name IN (${names.join(', ')})`,
    binds,
  };
}

export function countSql(query: CountQuery): { sql: string; binds: Record<string, string | number> } {
  if (query.measures.length === 0) throw new Error(`no measure to count in ${query.table}`);
  const binds: Record<string, string | number> = {};
  const bind = (value: string | number) => {
    const name = `v${Object.keys(binds).length}`;
    binds[name] = value;
    return `:${name}`;
  };
  const condition = (c: CountCondition) => {
    const column = quoted(c.column);
    if (c.op === 'in') return `${column} IN (${c.values.map(bind).join(', ')})`;
    if (c.values.length !== 1) throw new Error(`${c.op} takes one value (${c.column})`);
    return `${column} ${c.op} ${bind(c.values[0]!)}`;
  };
  const measures = query.measures.map((m) => {
    const alias = quoted(m.name.toUpperCase());
    return m.where.length === 0
      ? `COUNT(*) AS ${alias}`
      : `COUNT(CASE WHEN ${m.where.map(condition).join(' AND ')} THEN 1 END) AS ${alias}`;
  });
  const degree = Math.max(1, Math.min(64, Math.floor(query.parallel)));
  const group = query.groupBy ? quoted(query.groupBy) : undefined;
  const select = [...(group ? [`TO_CHAR(t.${group}) AS "GRP"`] : []), ...measures].join(', ');
  const sql =
    `SELECT /*+ PARALLEL(t, ${degree}) */ ${select} FROM ${quoted(query.schema)}.${quoted(query.table)} t` +
    (group ? ` GROUP BY t.${group}` : '');
  return { sql, binds };
}
