// A stand-in for Oracle's impdp client, for the impdp engine's tests. It behaves like impdp as
// far as the engine can tell: reads `parfile=<file>`, answers "Password:" from stdin, takes
// interactive commands after ATTACH= (START_JOB, CONTINUE_CLIENT, KILL_JOB + yes, STATUS=n),
// prints a STATUS block and the log to stdout, writes the LOGFILE into the directory object's
// folder, and exits 0 (success), 5 (completed with errors) or 1 (fatal).
//
// Environment (set by the test, never containing the password):
//   FAKE_IMPDP_SCENARIO     success | vendor | errors | fatal | refused | gone (ATTACH= finds no job)
//   FAKE_IMPDP_DIRECTORIES  JSON {"EXP_DIR_3978": "/path"}: where directory objects point
//   FAKE_IMPDP_RECORD       file to append one JSON line per invocation to
//   FAKE_IMPDP_PASSWORD_FILE the password the "database" expects (to check the stdin answer)
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';

const FIXTURES = fileURLToPath(new URL('../../fixtures/datapump/', import.meta.url));
// Texts replayed from test/fixtures/oracle/datapump (scripts/record-oracle-fixtures.ts records them).
const ORACLE_FIXTURES = fileURLToPath(new URL('../../fixtures/oracle/datapump/', import.meta.url));
const MESSAGES = JSON.parse(fs.readFileSync(path.join(ORACLE_FIXTURES, 'messages.json'), 'utf8'));
const SCENARIOS = {
  success: { log: 'clean-success.log', exit: 0 },
  vendor: { log: 'vendor-sample.log', exit: 5 },
  errors: { log: 'unexpected-errors.log', exit: 5 },
  fatal: { log: 'fatal-stop.log', exit: 1 },
  refused: { log: null, exit: 1 },
  gone: { log: null, exit: 1 },
};

const argv = process.argv.slice(2);
const stdin = fs.readFileSync(0, 'utf8').split('\n');
const expected = process.env.FAKE_IMPDP_PASSWORD_FILE
  ? fs.readFileSync(process.env.FAKE_IMPDP_PASSWORD_FILE, 'utf8').trim()
  : undefined;
const parfileArg = argv.find((a) => /^parfile=/i.test(a));
const parfilePath = parfileArg ? parfileArg.slice('parfile='.length) : undefined;
const parfileText = parfilePath ? fs.readFileSync(parfilePath, 'utf8') : '';
function modeOf(file) {
  try {
    return (fs.statSync(file).mode & 0o777).toString(8);
  } catch {
    return 'missing';
  }
}
const parfileMode = parfilePath ? modeOf(parfilePath) : null;
const params = {};
for (const line of parfileText.split('\n')) {
  const m = /^([A-Z_]+)=(.*)$/i.exec(line.trim());
  if (m) (params[m[1].toUpperCase()] ??= []).push(m[2]);
}
const password = stdin[0] ?? '';
const commands = stdin.slice(1).filter((l) => l.trim() !== '');

if (process.env.FAKE_IMPDP_RECORD) {
  fs.appendFileSync(
    process.env.FAKE_IMPDP_RECORD,
    JSON.stringify({
      argv,
      parfile: parfileText,
      parfileMode,
      passwordAnswer: expected === undefined ? 'unchecked' : password === expected ? 'correct' : 'wrong',
      commands,
      envHoldsPassword:
        expected !== undefined && Object.values(process.env).some((v) => v && v.includes(expected)),
    }) + '\n',
  );
}

process.stdout.write(
  '\nImport: Release 19.0.0.0.0 - Production on Sat Feb 25 19:30:47 2023\nVersion 19.3.0.0.0\n\n',
);
process.stdout.write('Password: \n');
if (expected !== undefined && password !== expected) {
  process.stdout.write(
    'UDI-01017: operation generated ORACLE error 1017\nORA-01017: invalid username/password; logon denied\n',
  );
  process.exit(1);
}
process.stdout.write(
  'Connected to: Oracle Database 19c Enterprise Edition Release 19.0.0.0.0 - Production\n',
);

const scenario = SCENARIOS[process.env.FAKE_IMPDP_SCENARIO ?? 'success'];
const attach = params.ATTACH?.[0];
const jobName = attach ?? params.JOB_NAME?.[0] ?? 'SYS_IMPORT_FULL_01';
const owner = (/^USERID=([^@/]+)/im.exec(parfileText)?.[1] ?? 'SYSTEM').toUpperCase();
const directories = JSON.parse(process.env.FAKE_IMPDP_DIRECTORIES ?? '{}');
const stateFile = (dir) => path.join(dir, `.fake-impdp-${jobName}.json`);

function logTarget() {
  const dir = directories[params.DIRECTORY?.[0]];
  const file = params.LOGFILE?.[0];
  return dir && file ? path.join(dir, file) : undefined;
}

function status(percent) {
  const block = fs
    .readFileSync(path.join(ORACLE_FIXTURES, 'impdp-status.txt'), 'utf8')
    .replace(/\{job\}/g, jobName)
    .replace(/\{percent\}/g, String(percent))
    .replace(/\{bytes\}/g, String(percent * 1048576));
  process.stdout.write(block);
}

function emitLog(extraHead) {
  if (!scenario.log) {
    process.stdout.write("UDI-00014: invalid value for parameter, 'dumpfile'\n");
    process.exit(scenario.exit);
  }
  const text = fs
    .readFileSync(path.join(FIXTURES, scenario.log), 'utf8')
    .replace(/"[A-Z_]+"\."(SYS_IMPORT_FULL_01|ALMA_NIGHTLY_3978|ALMA_R2_3979)"/g, `"${owner}"."${jobName}"`);
  const content = (extraHead ?? '') + text;
  status(50);
  process.stdout.write(content);
  const target = logTarget();
  if (target) fs.writeFileSync(target, content);
  process.exit(scenario.exit);
}

if (attach) {
  if (process.env.FAKE_IMPDP_SCENARIO === 'gone') {
    // The job completed (master table dropped) before impdp attached.
    process.stdout.write(
      `UDI-31626: operation generated ORACLE error 31626\n${MESSAGES.errors['ORA-31626']}\n`,
    );
    process.exit(1);
  }
  if (commands.includes('KILL_JOB')) {
    process.stdout.write(`Import> KILL_JOB\nAre you sure you wish to stop this job ([yes]/no): yes\n`);
    process.exit(0);
  }
  if (commands.includes('CONTINUE_CLIENT')) {
    // The attached job carries its LOGFILE/DIRECTORY from the original definition (state file).
    const dirs = Object.values(directories);
    for (const d of dirs) {
      if (fs.existsSync(stateFile(d)))
        Object.assign(params, JSON.parse(fs.readFileSync(stateFile(d), 'utf8')));
    }
    const head = commands.includes('START_JOB')
      ? `Job "${owner}"."${jobName}" has been reopened at Fri May 2 15:00:00 2025\nRestarting "${owner}"."${jobName}":  ${owner}/********\n`
      : '';
    emitLog(head);
  }
  process.exit(0);
}
const dir = directories[params.DIRECTORY?.[0]];
if (dir)
  fs.writeFileSync(stateFile(dir), JSON.stringify({ DIRECTORY: params.DIRECTORY, LOGFILE: params.LOGFILE }));
emitLog();
