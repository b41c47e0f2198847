// Run once against a real Oracle 19c PDB (e.g. Oracle's 19c container image on your machine) to
// record the texts the Data Pump doubles replay: DBMS_DATAPUMP's error messages, the log lines of
// a completed import, of re-imports under each TABLE_EXISTS_ACTION and of a stopped + restarted
// job, and (when ORACLE_TEST_IMPDP names impdp) impdp's STATUS block. Writes
// test/fixtures/oracle/datapump/{messages.json, impdp-status.txt, recorded/*.log}; review the diff,
// then `npm test` shows where the doubles (and so the code) disagree with the real database.
// Environment: as the real-Oracle suite (docs/oracle-behaviours.md, "Recording the fixtures").
//   npx tsx scripts/record-oracle-fixtures.ts
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataPumpApiEngine } from '../src/oracle/datapump-api.js';
import { errorMessage } from '../src/errors.js';
import { oracleErrorCode, readDatabaseCredentials } from '../src/oracle/connection.js';
import type { DataPumpSession } from '../src/oracle/datapump.js';
import { planAsParfileLines } from '../src/oracle/import-plan.js';
import { realDataPump, waitFor } from '../test/support/real-oracle-datapump.js';

const OUT = fileURLToPath(new URL('../test/fixtures/oracle/datapump/', import.meta.url));
const say = (line: string): void => void process.stdout.write(`${line}\n`);

/** The first line of the error a call raises, keyed by its ORA- code. */
async function errorOf(call: () => Promise<unknown>): Promise<[string, string] | undefined> {
  try {
    await call();
    return undefined;
  } catch (err) {
    const code = oracleErrorCode(err);
    const first = errorMessage(err).split('\n')[0]!.trim();
    return code ? [code, first] : undefined;
  }
}

/** Turns a recorded line into the fixture's template ({owner}, {table}, {job}, ...). */
function template(line: string, values: Record<string, string>): string {
  let t = line.replace(/^\d{2}-[A-Z]{3}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?: (?:W-\d+ )?/, '');
  for (const [k, v] of Object.entries(values)) t = t.split(v).join(`{${k}}`);
  return t;
}

async function main(): Promise<void> {
  const dp = await realDataPump('FX', 200000);
  const messages = JSON.parse(readFileSync(path.join(OUT, 'messages.json'), 'utf8')) as {
    source: string;
    recorded: boolean;
    errors: Record<string, string>;
    log: Record<string, string>;
  };
  const recordedDir = path.join(OUT, 'recorded');
  mkdirSync(recordedDir, { recursive: true });
  const changes: string[] = [];
  const setError = (entry: [string, string] | undefined): void => {
    if (!entry) return;
    const [code, text] = entry;
    if (messages.errors[code] !== text)
      changes.push(`${code}: "${messages.errors[code] ?? '(new)'}" -> "${text}"`);
    messages.errors[code] = text;
  };
  const setLog = (key: string, line: string | undefined, values: Record<string, string>): void => {
    if (!line) {
      changes.push(`log line ${key}: not seen (kept the documented one)`);
      return;
    }
    const t = template(line, values);
    if (messages.log[key] !== t) changes.push(`log ${key}: "${messages.log[key]}" -> "${t}"`);
    messages.log[key] = t;
  };
  try {
    const { rows } = await dp.admin.execute<{ B: string }>(
      'SELECT banner_full AS B FROM v$version WHERE ROWNUM = 1',
    );
    const banner = String(rows[0]?.B ?? 'unknown').replace(/\s+/g, ' ');
    say(`recording against: ${banner}`);
    const s: DataPumpSession = await dp.session();

    // Error texts.
    setError(await errorOf(() => s.getStatus(987654, 0))); // ORA-31623
    setError(await errorOf(() => s.attach('ALMA_FX_NO_SUCH_JOB'))); // ORA-31626
    const h = await s.open('FULL', 'ALMA_FX_ERRORS');
    setError(await errorOf(() => s.open('FULL', 'ALMA_FX_ERRORS'))); // ORA-31634
    setError(await errorOf(() => s.setParameter(h, 'TABLE_EXIST_ACTION', 'SKIP'))); // ORA-39001 (+ ORA-39049)
    const unknownParam = await errorOf(() => s.setParameter(h, 'NO_SUCH_PARAMETER', 1));
    setError(unknownParam);
    setError(await errorOf(() => s.startJob(h))); // ORA-39002: no dump file
    await s.detach(h).catch(() => undefined);

    // A completed import, then a second job over it under each TABLE_EXISTS_ACTION.
    const plan = dp.plan({ jobName: 'ALMA_FX_FIRST', logfile: 'fx_first.log' });
    await new DataPumpApiEngine(dp.session).run(plan, { fresh: true, intervalMs: 5000 });
    const first = await dp.readServerFile('fx_first.log');
    writeFileSync(path.join(recordedDir, 'completed.log'), first);
    const names = { owner: dp.dst, job: 'ALMA_FX_FIRST' };
    const line = (text: string, re: RegExp): string | undefined => text.split('\n').find((l) => re.test(l));
    setLog('masterTable', line(first, /Master table .* successfully loaded\/unloaded/), names);
    setLog('completed', line(first, /^(?:\S+ \S+: )?Job ".*" successfully completed/), names);
    for (const action of ['SKIP', 'APPEND', 'TRUNCATE', 'REPLACE'] as const) {
      const p = dp.plan({
        jobName: `ALMA_FX_${action}`,
        logfile: `fx_${action.toLowerCase()}.log`,
        tableExistsAction: action,
      });
      await new DataPumpApiEngine(dp.session).run(p, { fresh: true, intervalMs: 5000 });
      const text = await dp.readServerFile(p.logfile);
      writeFileSync(path.join(recordedDir, `reimport-${action.toLowerCase()}.log`), text);
      const v = { owner: dp.dst, table: 'ORGANIZATION_UNIT', user: dp.dst, job: p.jobName };
      if (action === 'SKIP') {
        setLog('tableExistsSkip', line(text, /ORA-39151/), v);
        setLog('userExists', line(text, /ORA-31684/), v);
        setLog('completedWithErrors', line(text, /completed with \d+ error/), v);
      }
      if (action === 'APPEND') setLog('tableExistsAppend', line(text, /ORA-39152/), v);
      if (action === 'TRUNCATE') setLog('tableExistsTruncate', line(text, /ORA-39153/), v);
    }

    // Stopped (master table kept), then restarted.
    const stopPlan = dp.plan({ jobName: 'ALMA_FX_STOP', logfile: 'fx_stop.log' });
    const ac = new AbortController();
    await new DataPumpApiEngine(dp.session)
      .run(stopPlan, { fresh: true, intervalMs: 0, signal: ac.signal, onStatus: () => ac.abort() })
      .catch(() => undefined);
    const dba = await dp.session();
    const hs = await dba.attach(stopPlan.jobName);
    setError(await errorOf(() => dba.startJob(hs))); // ORA-39004 on an executing job
    await dba.stopJob(hs, { immediate: true, keepMaster: true });
    await waitFor('the stopped job to be NOT RUNNING', async () => {
      const j = await dba.findJob(stopPlan.jobName);
      return j?.state === 'NOT RUNNING' ? { done: true } : { seen: j?.state ?? 'no row' };
    });
    await new DataPumpApiEngine(dp.session).run(stopPlan, { fresh: false, intervalMs: 5000 });
    const stopLog = await dp.readServerFile('fx_stop.log');
    writeFileSync(path.join(recordedDir, 'stopped-restarted.log'), stopLog);
    const sv = { owner: dp.dst, job: stopPlan.jobName };
    setLog('stoppedByUser', line(stopLog, /stopped by user request/), sv);
    setLog('reopened', line(stopLog, /has been reopened/), sv);
    setLog('restarting', line(stopLog, /^(?:\S+ \S+: )?Restarting "/), sv);
    await dba.close();
    await s.close();

    // impdp's STATUS block, when impdp is at hand.
    const impdp = process.env.ORACLE_TEST_IMPDP;
    if (impdp) {
      const creds = await readDatabaseCredentials(dp.config.database.credentialsDir);
      const dir = mkdtempSync(path.join(os.tmpdir(), 'fx-impdp-'));
      const parfile = path.join(dir, 'fx.par');
      const p = dp.plan({ jobName: 'ALMA_FX_IMPDP', logfile: 'fx_impdp.log' });
      writeFileSync(
        parfile,
        [
          `USERID=${creds.username}@${dp.config.database.connectString}`,
          ...planAsParfileLines(p),
          'STATUS=1',
        ].join('\n') + '\n',
        { mode: 0o600 },
      );
      const r = spawnSync(impdp, [`parfile=${parfile}`], { input: `${creds.password}\n`, encoding: 'utf8' });
      rmSync(dir, { recursive: true, force: true });
      const out = (r.stdout ?? '').split('\n');
      const start = out.findIndex((l) => /^Job: \S+$/.test(l.trim()));
      if (start >= 0) {
        let end = start + 1;
        while (
          end < out.length &&
          (out[end]!.trim() === '' || /^\s/.test(out[end]!) || /^Worker \d+ Status:/.test(out[end]!))
        )
          end++;
        const block = out.slice(start, end).join('\n').split(p.jobName).join('{job}');
        writeFileSync(
          path.join(OUT, 'impdp-status.txt'),
          block
            .replace(/Percent Done: \d+/, 'Percent Done: {percent}')
            .replace(/Bytes Processed: [\d,]+/, 'Bytes Processed: {bytes}') + '\n',
        );
        say('impdp STATUS block recorded');
      } else {
        changes.push(`impdp printed no STATUS block (exit ${r.status}); impdp-status.txt kept`);
      }
    } else {
      say('ORACLE_TEST_IMPDP not set: impdp-status.txt kept as documented');
    }

    messages.source = `recorded by scripts/record-oracle-fixtures.ts from ${banner} on ${new Date().toISOString().slice(0, 10)}`;
    messages.recorded = true;
    writeFileSync(path.join(OUT, 'messages.json'), JSON.stringify(messages, null, 2) + '\n');
    say(
      changes.length
        ? `differences from the documented texts:\n  ${changes.join('\n  ')}`
        : 'the documented texts matched',
    );
  } finally {
    await dp.cleanup();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`record-oracle-fixtures: ${errorMessage(err)}\n`);
  process.exitCode = 1;
});
