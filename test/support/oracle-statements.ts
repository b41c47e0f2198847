// The catalogue of every SQL statement and PL/SQL block the code can send to Oracle, for the
// offline checks (test/unit/oracle-sql-offline.test.ts) and the real-19c suite: every text
// exported by src/oracle/sql/ and every builder there with representative inputs (all SQL lives
// in src/oracle/sql/), plus small pure readers of statements (DBMS_* calls, bind names).
import type { CountQuery } from '../../src/oracle/inventory.js';
import * as datapumpSql from '../../src/oracle/sql/datapump.js';
import * as dictionarySql from '../../src/oracle/sql/dictionary.js';
import * as inventorySql from '../../src/oracle/sql/inventory.js';
import { newSmallfile } from '../../src/oracle/dictionary-sizing.js';
import { AREA_RULES } from '../../src/steps/verify/inventory-areas.js';
import { takeInventory } from '../../src/steps/verify/inventory.js';

/** The count queries verify's inventory really makes, on a schema that has every table and column. */
async function inventoryQueries(): Promise<CountQuery[]> {
  const queries: CountQuery[] = [];
  const columns = new Map<string, Set<string>>();
  for (const r of AREA_RULES) {
    const set = columns.get(r.table) ?? new Set<string>(['LIBRARYID']);
    for (const c of r.where) set.add(c.column);
    columns.set(r.table, set);
  }
  await takeInventory(
    {
      tableColumns: async () => columns,
      count: async (q) => {
        queries.push(q);
        return [];
      },
    },
    'EXL_ADMIN',
    4,
  );
  return queries;
}

const GiB = 1024 ** 3;
const file = (n: number) => newSmallfile(`/opt/oracle/oradata/ORCLCDB/ORCLPDB1/users0${n}.dbf`);

/** Every builder of src/oracle/sql/, called with inputs like the ones prepare, guard and verify pass. */
export const BUILDERS: Record<string, () => string[] | Promise<string[]>> = {
  createTablespaceSql: () => [
    dictionarySql.createTablespaceSql('ALMA_3978', [file(1)], 'SMALLFILE'),
    dictionarySql.createTablespaceSql('ALMA_3978', [file(1), file(2), file(3)], 'SMALLFILE'),
    dictionarySql.createTablespaceSql('ALMA_3978', [file(1)], 'BIGFILE'),
  ],
  addDatafileSql: () => [dictionarySql.addDatafileSql('USERS', file(2))],
  bigfileMaxSizeSql: () => [dictionarySql.bigfileMaxSizeSql('USERS', 120 * GiB, 256 * 1024 ** 2)],
  // Only .sql is sent; .display (password masked) is for logs and reports.
  createUserSql: () => [dictionarySql.createUserSql('EXL_ADMIN', 'S3cret-Schema-pw!', 'USERS', 'TEMP').sql],
  setPasswordSql: () => [dictionarySql.setPasswordSql('EXL_ADMIN', 'S3cret-Schema-pw!').sql],
  dropUserSql: () => [dictionarySql.dropUserSql('EXL_ADMIN')],
  unlockUserSql: () => [dictionarySql.unlockUserSql('EXL_ADMIN')],
  defaultTablespaceSql: () => [dictionarySql.defaultTablespaceSql('EXL_ADMIN', 'USERS')],
  defaultRoleAllSql: () => [dictionarySql.defaultRoleAllSql('EXL_ADMIN')],
  unlimitedQuotaSql: () => [dictionarySql.unlimitedQuotaSql('EXL_ADMIN', 'USERS')],
  grantRolesSql: () => [
    dictionarySql.grantRolesSql('EXL_ADMIN', [
      'CONNECT',
      'RESOURCE',
      'DBA',
      'DATAPUMP_EXP_FULL_DATABASE',
      'DATAPUMP_IMP_FULL_DATABASE',
    ]),
  ],
  createDirectorySql: () => [dictionarySql.createDirectorySql('EXP_DIR_3978', '/staging/3978')],
  grantDirectorySql: () => [dictionarySql.grantDirectorySql('EXP_DIR_3978', 'EXL_ADMIN', ['READ', 'WRITE'])],
  addRedoLogGroupSql: () => [
    dictionarySql.addRedoLogGroupSql(4, ['/opt/oracle/oradata/ORCLCDB/redo04.log'], 512 * 1024 ** 2),
  ],
  tableColumnsSql: () => [inventorySql.tableColumnsSql('EXL_ADMIN', ['MMS_RECORD', 'ITEM', 'FUND']).sql],
  countSql: async () => (await inventoryQueries()).map((q) => inventorySql.countSql(q).sql),
  rebuildIndexSql: () => [
    dictionarySql.rebuildIndexSql('EXL_ADMIN', { index: 'BIB_IX1' }),
    dictionarySql.rebuildIndexSql('EXL_ADMIN', { index: 'BIB_IX1', partition: 'P2024' }),
    dictionarySql.rebuildIndexSql('EXL_ADMIN', { index: 'BIB_IX1', partition: 'P2024', subpartition: 'SP1' }),
  ],
};

/** Exports that build parts of statements, not statements. */
export const HELPERS = new Set([
  'ident',
  'dictIdent',
  'pathLiteral',
  'passwordLiteral',
  'sizeClause',
  'SqlValueError',
]);

export const sqlModules = {
  'sql/dictionary.ts': dictionarySql,
  'sql/datapump.ts': datapumpSql,
  'sql/inventory.ts': inventorySql,
} as Record<string, Record<string, unknown>>;

/** [label, statement] for everything the code can send. */
export async function allStatements(): Promise<[string, string][]> {
  const out: [string, string][] = [];
  for (const [file, mod] of Object.entries(sqlModules)) {
    for (const [name, value] of Object.entries(mod)) {
      if (typeof value === 'string') out.push([`${file} ${name}`, value]);
    }
  }
  for (const [name, build] of Object.entries(BUILDERS)) {
    (await build()).forEach((sql, i) => out.push([`${name} #${i + 1}`, sql]));
  }
  return out;
}

/** Top-level arguments of the call whose "(" is at `open`: [name or undefined, text]. */
function callArguments(sql: string, open: number): (string | undefined)[] {
  const args: (string | undefined)[] = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open; i < sql.length; i++) {
    const c = sql[i];
    if (c === "'") i = sql.indexOf("'", i + 1);
    else if (c === '(') depth += 1;
    else if (c === ')' || (c === ',' && depth === 1)) {
      if (c === ')') depth -= 1;
      if (depth <= 1) {
        const arg = sql.slice(start, i).trim();
        if (arg) args.push(/^([A-Za-z_][A-Za-z0-9_$#]*)\s*=>/.exec(arg)?.[1]?.toLowerCase());
        start = i + 1;
      }
      if (depth === 0) break;
    }
  }
  return args;
}

export function dbmsCalls(sql: string): { call: string; args: (string | undefined)[] }[] {
  const out = [];
  for (const m of sql.matchAll(/\b(DBMS_[A-Z_]+\.[A-Z_]+)\s*\(/gi)) {
    out.push({ call: m[1]!.toUpperCase(), args: callArguments(sql, m.index + m[0].length - 1) });
  }
  return out;
}

/** Bind variable names in a statement (":name"), outside string literals and ":=". */
export function bindNames(sql: string): string[] {
  const code = sql.replace(/'(?:[^']|'')*'/g, "''");
  return [
    ...new Set([...code.matchAll(/(?<![\w:]):([A-Za-z][A-Za-z0-9_$#]*)/g)].map((m) => m[1]!.toLowerCase())),
  ];
}
