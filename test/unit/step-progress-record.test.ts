import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger } from '../../src/logging.js';
import { lastProgress, parseProgressLine, progressFields } from '../../src/contract/progress-record.js';
import { transferProgress, waitingProgress } from '../../src/steps/fetch/progress.js';
import { importProgressReport } from '../../src/steps/import/progress.js';
import { liveProgressChanges } from '../../src/controller/progress-decide.js';

function capture() {
  let text = '';
  const sink = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  return { log: createLogger({ step: 'fetch' }, sink), text: () => text };
}

describe('step progress records', () => {
  it("round-trips through the steps' own logger, newest record wins, other lines are skipped", () => {
    const { log, text } = capture();
    log.info(
      progressFields({
        stage: 'Applying',
        message: '1 of 3',
        done: 1,
        total: 3,
        unit: 'actions',
        fraction: 1 / 3,
      }),
      'progress',
    );
    log.info({ password: 'secret' }, 'not progress');
    log.info(
      progressFields({
        stage: 'Applying',
        message: '2 of 3',
        done: 2,
        total: 3,
        unit: 'actions',
        fraction: 2 / 3,
      }),
      'progress',
    );
    const p = lastProgress(`${text()}garbage {"stepProgress": \n`);
    assert.equal(p?.message, '2 of 3');
    assert.equal(p?.done, 2);
    assert.match(p!.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('refuses other versions and malformed records', () => {
    const t = '2026-12-01T20:00:00.000Z';
    assert.equal(
      parseProgressLine(JSON.stringify({ time: t, stepProgress: { v: 2, stage: 'X', message: 'm' } })),
      undefined,
    );
    assert.equal(
      parseProgressLine(JSON.stringify({ time: t, stepProgress: { v: 1, message: 'm' } })),
      undefined,
    );
    assert.equal(parseProgressLine('{"stepProgress": 1'), undefined);
    const clamped = parseProgressLine(
      JSON.stringify({ time: t, stepProgress: { v: 1, stage: 'X', message: 'm', fraction: 7, done: -1 } }),
    );
    assert.deepEqual(clamped, { time: '2026-12-01T20:00:00Z', stage: 'X', message: 'm', fraction: 1 });
  });

  it('spreads fetch over institutions and stage mode over download and extract', () => {
    const base = {
      institutionId: '3979',
      share: { index: 1, count: 2 },
      transferred: 5,
      total: 10,
      bytesPerSecond: 1,
      etaSeconds: 5,
      line: 'l',
    };
    assert.equal(transferProgress({ ...base, phase: 'stream' }).fraction, 0.75);
    assert.equal(transferProgress({ ...base, phase: 'download' }).fraction, 0.625);
    assert.equal(transferProgress({ ...base, phase: 'extract' }).stage, 'Extracting');
    const w = waitingProgress(
      '3978',
      { index: 0, count: 1 },
      'the zip',
      [],
      Date.parse('2026-12-01T18:00:00Z'),
    );
    assert.equal(w.waitingSince, '2026-12-01T18:00:00Z');
    assert.equal(w.fraction, undefined, 'waiting for the first delivery is 0% of the step');
  });

  it('estimates the ETA of the whole import, later institutions weighted by their bib records', () => {
    const insts = [
      { institutionId: '1', bibRecords: 1_000_000 },
      { institutionId: '2', bibRecords: 2_000_000 },
    ];
    const r = importProgressReport(insts, 0, { percentDone: 50, etaSeconds: 600 }, 'half');
    assert.equal(r.fraction, 0.25);
    assert.equal(r.etaSeconds, 600 + 1200 * 2, 'the rest of the first, then twice its length');
  });

  it('shows a new record once and never moves the overall percent backwards', () => {
    const record = { time: '2026-12-01T20:00:00Z', stage: 'Importing', message: 'm', fraction: 0.1 };
    const status = { progress: 60, steps: { import: { phase: 'Running' as const, attempt: 2 } } };
    const changes = liveProgressChanges(status, 'Importing', 'import', record)!;
    assert.equal(changes.progress, 60);
    assert.equal(changes.progressMessage, 'Importing: m');
    const shown = { ...status, steps: changes.steps };
    assert.equal(liveProgressChanges(shown, 'Importing', 'import', record), undefined);
  });

  it('shows a new record of the same second (times have whole seconds)', () => {
    const waiting = { time: '2026-12-01T20:00:00Z', stage: 'WaitingForDelivery', message: 'waiting' };
    const moving = { time: '2026-12-01T20:00:00Z', stage: 'Transferring', message: '3 of 10 GiB' };
    const status = { steps: { fetch: { phase: 'Running' as const, attempt: 1, progress: waiting } } };
    assert.deepEqual(
      liveProgressChanges(status, 'Fetching', 'fetch', moving)?.steps?.fetch?.progress,
      moving,
    );
  });
});
