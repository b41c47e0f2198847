import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ParfileError,
  dumpFileNames,
  dumpfilePatternRegExp,
  dumpfileSpecs,
  expandDumpfilePattern,
  logfileSpec,
  parameterValues,
  parseParfile,
  remaps,
  resolveDumpfiles,
  singleValue,
} from '../../src/oracle/parfile.js';

// The runbook's sample parfile (final_script_par.3975_3978), as delivered.
const VENDOR = [
  'dumpfile=local_backup_final_3975_3978_%U.dmp',
  'LOGFILE=import_3975_3978.log',
  'REMAP_SCHEMA=EXL_ADMIN:EXL_ADMIN',
  'REMAP_TABLESPACE=USERS:USERS',
  '',
].join('\n');

test('the vendor sample parses to upper-cased names with values as written', () => {
  const p = parseParfile(VENDOR);
  assert.deepEqual(
    p.parameters.map((x) => [x.name, x.values, x.line]),
    [
      ['DUMPFILE', ['local_backup_final_3975_3978_%U.dmp'], 1],
      ['LOGFILE', ['import_3975_3978.log'], 2],
      ['REMAP_SCHEMA', ['EXL_ADMIN:EXL_ADMIN'], 3],
      ['REMAP_TABLESPACE', ['USERS:USERS'], 4],
    ],
  );
  assert.deepEqual(logfileSpec(p), { name: 'import_3975_3978.log' });
  assert.deepEqual(remaps(p), {
    schemas: [{ from: 'EXL_ADMIN', to: 'EXL_ADMIN' }],
    tablespaces: [{ from: 'USERS', to: 'USERS' }],
  });
});

test('comments, blank lines, CRLF, BOM and non-breaking spaces are ignored', () => {
  const text =
    '\ufeff# delivered by Ex Libris\r\n\r\nDIRECTORY=EXP_DIR   # the directory object\r\n\u00a0LOGFILE = imp.log\r\n';
  const p = parseParfile(text);
  assert.deepEqual(
    p.parameters.map((x) => [x.name, x.values, x.line]),
    [
      ['DIRECTORY', ['EXP_DIR'], 3],
      ['LOGFILE', ['imp.log'], 4],
    ],
  );
});

test('quoted values keep spaces, commas and # ; wholly quoted items are unquoted', () => {
  const p = parseParfile(
    ["EXCLUDE=TABLE:\"IN ('A', 'B#1')\"", 'dumpfile="my file_%U.dmp"', "QUERY=EMP:'WHERE x = 1'"].join('\n'),
  );
  assert.deepEqual(parameterValues(p, 'exclude'), ["TABLE:\"IN ('A', 'B#1')\""]);
  assert.deepEqual(parameterValues(p, 'DUMPFILE'), ['my file_%U.dmp']);
  assert.deepEqual(parameterValues(p, 'QUERY'), ["EMP:'WHERE x = 1'"]);
});

test('lists continue over lines after a trailing or leading comma; several parameters share a line', () => {
  const p = parseParfile(
    ['DUMPFILE=a_01.dmp,', '         a_02.dmp', '  ,a_03.dmp LOGFILE=x.log', 'REMAP_SCHEMA=A:B, C:D'].join(
      '\n',
    ),
  );
  assert.deepEqual(parameterValues(p, 'DUMPFILE'), ['a_01.dmp', 'a_02.dmp', 'a_03.dmp']);
  assert.equal(singleValue(p, 'LOGFILE'), 'x.log');
  assert.equal(p.parameters.find((x) => x.name === 'LOGFILE')?.line, 3);
  assert.deepEqual(remaps(p).schemas, [
    { from: 'A', to: 'B' },
    { from: 'C', to: 'D' },
  ]);
});

test('a quoted value may span lines; line numbers stay right after it', () => {
  const p = parseParfile('QUERY=T:"WHERE a = 1\n AND b = 2"\nLOGFILE=l.log\n');
  assert.equal(parameterValues(p, 'QUERY')[0], 'T:"WHERE a = 1\n AND b = 2"');
  assert.equal(p.parameters[1]?.line, 3);
});

test('remaps for a second institution; quoted identifiers keep case, unquoted are upper-cased', () => {
  const p = parseParfile('remap_schema=exl_admin:EXL_ADMIN_2\nREMAP_TABLESPACE=USERS:"Users2"\n');
  assert.deepEqual(remaps(p), {
    schemas: [{ from: 'EXL_ADMIN', to: 'EXL_ADMIN_2' }],
    tablespaces: [{ from: 'USERS', to: 'Users2' }],
  });
  assert.throws(
    () => remaps(parseParfile('REMAP_SCHEMA=EXL_ADMIN\n')),
    /REMAP_SCHEMA=EXL_ADMIN is not of the form/,
  );
});

test('syntax errors name the file and line', () => {
  assert.throws(
    () => parseParfile('DIRECTORY=X\nLOGFILE\n', 'final_script_par.1_2'),
    (e: unknown) => {
      assert.ok(e instanceof ParfileError);
      assert.equal(e.reason, 'ParfileInvalid');
      assert.match(e.message, /^final_script_par\.1_2 line 2: parameter LOGFILE has no value/);
      return true;
    },
  );
  assert.throws(() => parseParfile('LOGFILE=\n'), /line 1: parameter LOGFILE has no value/);
  assert.throws(() => parseParfile('QUERY="abc\n\n'), /line 1: unterminated double quote/);
  assert.throws(() => parseParfile('DUMPFILE=a.dmp,\n'), /ends with a comma/);
  assert.throws(() => parseParfile('=x\n'), /line 1: expected a parameter name/);
  assert.throws(
    () => singleValue(parseParfile('LOGFILE=a\nLOGFILE=b\n'), 'LOGFILE'),
    /given 2 times \(lines 1, 2\)/,
  );
});

test('%U expands to two digits, %L grows past 99, other substitutions are refused', () => {
  assert.equal(expandDumpfilePattern('x_%U.dmp', 1), 'x_01.dmp');
  assert.equal(expandDumpfilePattern('x_%u.dmp', 42), 'x_42.dmp');
  assert.equal(expandDumpfilePattern('x_%L.dmp', 7), 'x_07.dmp');
  assert.equal(expandDumpfilePattern('x_%L.dmp', 123), 'x_123.dmp');
  assert.throws(() => expandDumpfilePattern('x_%U.dmp', 100), /at most 99/);
  assert.throws(() => expandDumpfilePattern('x_%T.dmp', 1), /uses %T/);
  assert.ok(dumpfilePatternRegExp('a.b_%U.dmp').test('a.b_07.dmp'));
  assert.ok(!dumpfilePatternRegExp('a.b_%U.dmp').test('aXb_07.dmp'));
  assert.ok(!dumpfilePatternRegExp('a_%U.dmp').test('a_100.dmp'));
  assert.ok(dumpfilePatternRegExp('a_%L.dmp').test('a_100.dmp'));
});

test('%U versus explicit lists; directory prefixes', () => {
  const templ = parseParfile('DUMPFILE=exp_dir:local_backup_final_3975_3978_%U.dmp\n');
  assert.deepEqual(dumpfileSpecs(templ), [
    { directory: 'EXP_DIR', name: 'local_backup_final_3975_3978_%U.dmp' },
  ]);
  assert.deepEqual(dumpFileNames(templ, 4), [
    'local_backup_final_3975_3978_01.dmp',
    'local_backup_final_3975_3978_02.dmp',
    'local_backup_final_3975_3978_03.dmp',
    'local_backup_final_3975_3978_04.dmp',
  ]);
  const explicit = parseParfile('DUMPFILE=b.dmp,a.dmp\n');
  assert.deepEqual(dumpFileNames(explicit, 4), ['b.dmp', 'a.dmp']);
});

test('resolveDumpfiles scans like impdp: stops at the first gap, reports missing and unreachable', () => {
  const p = parseParfile('DUMPFILE=d_%U.dmp, extra.dmp\n');
  assert.deepEqual(resolveDumpfiles(p, ['d_01.dmp', 'd_02.dmp', 'd_04.dmp', 'extra.dmp', 'other']), {
    files: ['d_01.dmp', 'd_02.dmp', 'extra.dmp'],
    missing: [],
    unreachable: ['d_04.dmp'],
  });
  assert.deepEqual(resolveDumpfiles(p, []), {
    files: [],
    missing: ['d_01.dmp', 'extra.dmp'],
    unreachable: [],
  });
});
