// Checks of every SQL statement and PL/SQL block the code can emit, without a database: each is
// parsed by a grammar of Oracle SQL and PL/SQL (test/support/oracle-grammar.ts), its DBMS_*
// calls use only the parameter names of the package's signature, and no bind variable is named
// after a reserved word. Statements come from src/oracle/sql/ (all SQL lives there): every
// exported text, and every exported builder with representative inputs; a new export without an
// entry here fails the seam test.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import * as dictionarySql from '../../src/oracle/sql/dictionary.js';
import { oracleSyntaxErrors } from '../support/oracle-grammar.js';
import { PACKAGE_SIGNATURES, RESERVED_WORDS } from '../support/oracle-reference.js';
import {
  BUILDERS,
  HELPERS,
  allStatements,
  bindNames,
  dbmsCalls,
  sqlModules as modules,
} from '../support/oracle-statements.js';

/**
 * Valid Oracle syntax this grammar rejects, each with the documentation that allows it, and a
 * rewrite into an equivalent the grammar accepts (so the rest of the statement is still checked).
 */
const GRAMMAR_GAPS: {
  gap: string;
  allowedBy: string;
  applies: (sql: string) => boolean;
  /** An equivalent the grammar accepts, or, when there is none, the exact shape the statement must have. */
  rewrite: (sql: string) => string;
  shape?: RegExp;
  example: string;
}[] = [
  {
    gap: 'DROP USER (the grammar has no rule for it)',
    allowedBy: 'SQL Language Reference 19c, DROP USER: DROP USER user [ CASCADE ] ;',
    applies: (sql) => /^DROP USER /.test(sql),
    rewrite: (sql) => sql,
    shape: /^DROP USER ("[A-Z][A-Z0-9_$#]{0,127}"|[A-Z][A-Z0-9_$#]{0,127})( CASCADE)?;$/,
    example: 'DROP USER EXL_ADMIN CASCADE',
  },
  {
    gap: 'a quoted name after ALTER TABLESPACE, CREATE DIRECTORY, DROP USER, REBUILD [SUB]PARTITION',
    allowedBy:
      'SQL Language Reference 19c, "Database Object Naming Rules": any name may be a quoted identifier; a quoted upper-case name is the same object as the nonquoted one',
    applies: (sql) => /"[A-Z][A-Z0-9_$#]*"/.test(sql),
    // Only names a nonquoted identifier can spell: the meaning is unchanged.
    rewrite: (sql) =>
      sql.replace(/"([A-Z][A-Z0-9_$#]*)"/g, (m, name: string) => (RESERVED_WORDS.has(name) ? m : name)),
    example: `ALTER TABLESPACE "USERS" ADD DATAFILE '/u/users02.dbf' SIZE 1G`,
  },
  {
    gap: 'several datafiles in one CREATE TABLESPACE',
    allowedBy:
      'SQL Language Reference 19c, CREATE TABLESPACE: DATAFILE file_specification [, file_specification ]... (a smallfile tablespace holds up to 1022 files)',
    applies: (sql) => /^CREATE SMALLFILE TABLESPACE .* DATAFILE '.*, '/.test(sql),
    rewrite: (sql) => sql.replace(/, '[^;]*/, ''),
    example: `CREATE SMALLFILE TABLESPACE ALMA DATAFILE '/u/a01.dbf' SIZE 1G, '/u/a02.dbf' SIZE 1G`,
  },
  {
    gap: 'GRANT of the RESOURCE role',
    allowedBy:
      'SQL Language Reference 19c, GRANT: grant_system_privileges takes any role; RESOURCE is a predefined role (Security Guide 19c, "Predefined Roles in an Oracle Database Installation")',
    applies: (sql) => /^GRANT .*\bRESOURCE\b/.test(sql),
    rewrite: (sql) => sql.replace(/\bRESOURCE, |, RESOURCE\b/, ''),
    example: `GRANT CONNECT, RESOURCE TO EXL_ADMIN`,
  },
];

/**
 * The script grammar wants each SQL statement terminated by ';'; node-oracledb must not send it
 * (ORA-00933/ORA-00911), while a PL/SQL block ends with its own "END;".
 */
const asScript = (sql: string) => (/END;\s*$/.test(sql) ? sql : `${sql.trim()};`);

function grammarVerdict(sql: string): { errors: string[]; gaps: string[] } {
  let text = asScript(sql);
  const gaps: string[] = [];
  let errors = oracleSyntaxErrors(text);
  for (const g of GRAMMAR_GAPS) {
    if (errors.length === 0) break;
    if (!g.applies(text)) continue;
    gaps.push(g.gap);
    if (g.shape) return { errors: g.shape.test(text) ? [] : [`not of the shape ${g.shape}`], gaps };
    text = g.rewrite(text);
    errors = oracleSyntaxErrors(text);
  }
  return { errors, gaps };
}

const statements = await allStatements();

describe('the Oracle grammar accepts every statement the code can emit', () => {
  it('every file of src/oracle/sql/ is in the catalogue', () => {
    const files = readdirSync(new URL('../../src/oracle/sql/', import.meta.url)).filter(
      (f) => f !== 'index.ts',
    );
    assert.deepEqual(files.map((f) => `sql/${f}`).sort(), Object.keys(modules).sort());
  });

  it('every export of src/oracle/sql/ is a statement, a builder listed here, or a helper', () => {
    for (const [file, mod] of Object.entries(modules)) {
      for (const [name, value] of Object.entries(mod)) {
        if (typeof value === 'string') {
          assert.match(name, /^(SQL|PLSQL)_/, `${file} ${name}: statements are named SQL_* or PLSQL_*`);
        } else {
          assert.ok(
            name in BUILDERS || HELPERS.has(name),
            `${file} exports ${name}: add representative calls to BUILDERS`,
          );
        }
      }
    }
  });

  for (const [label, sql] of statements) {
    it(label, () => {
      const { errors } = grammarVerdict(sql);
      assert.deepEqual(errors, [], `${label} does not parse:\n${sql}`);
    });
  }

  it('each listed grammar gap is real: the grammar rejects the example and accepts its rewrite', () => {
    for (const g of GRAMMAR_GAPS) {
      assert.ok(g.applies(asScript(g.example)), g.gap);
      assert.notDeepEqual(
        oracleSyntaxErrors(asScript(g.example)),
        [],
        `the grammar now accepts: ${g.gap}; drop the gap`,
      );
      if (g.shape) assert.match(asScript(g.example), g.shape, g.gap);
      else assert.deepEqual(oracleSyntaxErrors(g.rewrite(asScript(g.example))), [], g.gap);
    }
  });
});

describe('the grammar rejects broken statements (it is not accepting everything)', () => {
  const broken = [
    'SELEC username FROM dba_users',
    'SELECT username FROM dba_users WHERE username = :name AND',
    'SELECT (username FROM dba_users',
    'BEGIN DBMS_STATS.GATHER_SCHEMA_STATS(ownname => , degree => :degree); END;',
    'BEGIN DBMS_UTILITY.COMPILE_SCHEMA(schema => :schema, compile_all => FALSE) END;',
    "CREATE SMALLFILE TABLESPACE DATAFILE '/u/a01.dbf' SIZE 1G",
    "ALTER TABLESPACE USERS ADD DATAFILE '/u/users02.dbf' SIZE",
    'GRANT READ, WRITE ON DIRECTORY EXP_DIR EXL_ADMIN',
    'DROP USER EXL_ADMIN CASCADE CONSTRAINTS',
    'ALTER USER EXL_ADMIN QUOTA ON USERS',
  ];
  for (const sql of broken) {
    it(sql, () => assert.notDeepEqual(grammarVerdict(sql).errors, [], `accepted: ${sql}`));
  }

  it('every emitted PL/SQL block without its END; and every query with a doubled FROM', () => {
    let mutated = 0;
    for (const [label, sql] of statements) {
      let bad: string | undefined;
      if (/END;\s*$/.test(sql)) bad = sql.replace(/END;\s*$/, '');
      else if (/\bFROM\b/.test(sql)) bad = sql.replace(/\bFROM\b/, 'FROM FROM');
      if (!bad) continue;
      mutated += 1;
      assert.notDeepEqual(grammarVerdict(bad).errors, [], `${label}: the broken form was accepted:\n${bad}`);
    }
    assert.ok(mutated >= 30, `only ${mutated} statements mutated`);
  });
});

describe('DBMS_* calls use the package signatures', () => {
  it('finds the calls and their arguments (positional as undefined)', () => {
    assert.deepEqual(dbmsCalls(dictionarySql.PLSQL_GATHER_SCHEMA_STATS), [
      { call: 'DBMS_STATS.GATHER_SCHEMA_STATS', args: ['ownname', 'degree'] },
    ]);
    assert.deepEqual(dbmsCalls("BEGIN DBMS_RLS.ENABLE_POLICY(:a, 'x,y', f(:b, 2), FALSE); END;"), [
      { call: 'DBMS_RLS.ENABLE_POLICY', args: [undefined, undefined, undefined, undefined] },
    ]);
  });

  it('every named parameter exists, positional ones come first and fit', () => {
    let calls = 0;
    for (const [label, sql] of statements) {
      for (const { call, args } of dbmsCalls(sql)) {
        calls += 1;
        const sig = PACKAGE_SIGNATURES[call];
        assert.ok(sig, `${label}: ${call} has no signature in test/support/oracle-reference.ts`);
        const firstNamed = args.findIndex((a) => a !== undefined);
        const positional = firstNamed < 0 ? args.length : firstNamed;
        assert.ok(
          args.slice(positional).every((a) => a !== undefined),
          `${label}: ${call} has a positional argument after a named one`,
        );
        assert.ok(
          positional <= sig.params.length,
          `${label}: ${call} takes ${sig.params.length} parameters, got ${positional} positional`,
        );
        for (const a of args.slice(positional)) {
          assert.ok(
            sig.params.includes(a!),
            `${label}: ${call} has no parameter ${a} (${sig.params.join(', ')}; ${sig.source})`,
          );
        }
        const positionalNames = sig.params.slice(0, positional);
        for (const a of args.slice(positional)) {
          assert.ok(!positionalNames.includes(a!), `${label}: ${call} gets ${a} twice`);
        }
      }
    }
    assert.ok(calls >= 15, `only ${calls} DBMS_* calls found`);
  });

  it('a misspelt parameter is caught', () => {
    const [c] = dbmsCalls('BEGIN DBMS_DATAPUMP.STOP_JOB(handle => :h, keep_mastr => 1); END;');
    assert.ok(!PACKAGE_SIGNATURES[c!.call]!.params.includes(c!.args[1]!));
  });
});

describe('bind names are not reserved words (ORA-01745)', () => {
  it('the checker finds binds and flags a reserved one, such as :immediate', () => {
    assert.deepEqual(bindNames("BEGIN :h := X(a => :immediate, b => 'x:y'); END;"), ['h', 'immediate']);
    assert.ok(RESERVED_WORDS.has('IMMEDIATE'));
    assert.ok(!RESERVED_WORDS.has('KEEP_MASTER'));
  });

  it('no statement the code can emit binds a reserved word', () => {
    const offenders: string[] = [];
    let binds = 0;
    for (const [label, sql] of statements) {
      for (const b of bindNames(sql)) {
        binds += 1;
        if (RESERVED_WORDS.has(b.toUpperCase())) offenders.push(`${label}: :${b}`);
      }
    }
    assert.ok(binds >= 40, `only ${binds} binds found`);
    assert.deepEqual(offenders, [], 'bind variables named after Oracle reserved words (ORA-01745)');
  });
});
