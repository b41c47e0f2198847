// The status view and its text, and the log line formatter: pure, from fixed objects.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import type { AlmaRestore } from '../../src/api/types.js';
import { formatDuration, formatStatus, progressBar } from '../../src/status/format.js';
import { formattingStream, lineFormatter } from '../../src/status/log-lines.js';
import { buildStatusView, currentStepOf, estimateEta } from '../../src/status/view.js';
import { almaRestore } from './api-fixtures.js';

const NOW = new Date('2026-12-01T12:00:00Z');

function importing(): AlmaRestore {
  const r = almaRestore();
  r.metadata.namespace = 'library';
  r.status = {
    phase: 'Importing',
    progress: 65, // half-way through Importing (40..90)
    progressMessage: 'Importing: Data Pump reports 50% done',
    startTime: '2026-12-01T08:00:00Z',
    plan: {
      totalBibRecords: 1_200_000,
      institutionIds: '3978',
      stagingSize: '85Gi',
      stagingBytes: 1,
      databaseSize: '112Gi',
      databaseBytes: 1,
      institutions: [
        {
          institutionId: '3978',
          bibRecords: 1_200_000,
          schema: 'EXL_ADMIN',
          tablespace: 'USERS',
          tablespaceSize: '96Gi',
          tablespaceBytes: 1,
        },
      ],
    },
    steps: {
      fetch: {
        phase: 'Succeeded',
        jobName: 'q3-fetch-1',
        attempt: 1,
        startTime: '2026-12-01T08:00:00Z',
        completionTime: '2026-12-01T09:00:00Z',
        reason: 'Fetched',
        message: 'fetched 12 dump file(s)',
      },
      prepare: {
        phase: 'Succeeded',
        jobName: 'q3-prepare-1',
        attempt: 1,
        startTime: '2026-12-01T09:00:00Z',
        completionTime: '2026-12-01T10:00:00Z',
        reason: 'Prepared',
        message: 'ok',
      },
      import: { phase: 'Running', jobName: 'q3-import-1', attempt: 1, startTime: '2026-12-01T10:00:00Z' },
    },
    tablespaces: [
      {
        institutionId: '3978',
        tablespace: 'USERS',
        usedRatio: 0.9,
        usedBytes: 9,
        allocatedBytes: 10,
        maxBytes: 10,
      },
    ],
    conditions: [],
  };
  return r;
}

const runningPod = {
  metadata: { name: 'q3-import-1-abcde', creationTimestamp: '2026-12-01T10:00:00Z' },
  spec: { nodeName: 'node-a' },
  status: {
    phase: 'Running',
    containerStatuses: [
      { name: 'import', restartCount: 0, state: { running: { startedAt: '2026-12-01T10:00:05Z' } } },
    ],
  },
};

describe('status view', () => {
  it('shows the running step, its pod, a bar and an ETA estimated from the progress so far', () => {
    const v = buildStatusView(importing(), [runningPod], [], NOW);
    assert.equal(v.currentStep, 'import');
    assert.equal(v.pod?.state, 'Running: running since 2026-12-01T10:00:05.000Z');
    // 2 h for half of the import: 2 h left.
    assert.equal(v.etaSeconds, 7200);
    assert.equal(v.etaSource, 'estimate');
    const text = formatStatus(v, NOW);
    assert.match(
      text,
      /^AlmaRestore library\/q3\nPhase: {5}Importing\nStep: {6}import \(attempt 1\), Running for 2h\n/,
    );
    assert.match(
      text,
      /\nPod: {7}q3-import-1-abcde: Running: running since 2026-12-01T10:00:05\.000Z on node-a\n/,
    );
    assert.match(
      text,
      /\nProgress: {2}\[#{20}-{10}\] {2}65%\nETA: {7}2h \(estimated from the progress so far\)\n/,
    );
    assert.match(text, /\n {2}USERS {6}\[#{18}-{2}\] {2}90% {2}above the 85% line\n/);
    assert.match(text, /\n {2}institution 3978: schema EXL_ADMIN, tablespace USERS 96Gi\n/);
    assert.ok(
      text.includes('\n  fetch    Succeeded   1        1h        Fetched: fetched 12 dump file(s)\n'),
      text,
    );
    assert.match(
      text,
      /\n {2}logs: {6}kubectl logs -n library job\/q3-import-1 -c import -f {3}\(or: alma-restore logs q3 -n library\)\n/,
    );
    assert.doesNotMatch(text, /retry:/, 'no retry command while running');
  });

  it('takes an ETA and step progress from status when a step reports them, whatever their names', () => {
    const r = importing();
    r.status!.phase = 'Fetching';
    r.status!.progress = 20;
    r.status!.steps = {
      fetch: {
        phase: 'Running',
        jobName: 'q3-fetch-1',
        attempt: 1,
        startTime: '2026-12-01T11:00:00Z',
        progress: { bytesDone: 1024, bytesTotal: 4096, etaSeconds: 95, rate: '12 MiB/s' },
      } as never,
    };
    const v = buildStatusView(r, [], [], NOW);
    assert.equal(v.etaSeconds, 95);
    assert.equal(v.etaSource, 'status');
    const text = formatStatus(v, NOW);
    assert.match(text, /\nETA: {7}1m35s\n/);
    assert.match(text, /\n {11}progress\.bytesDone: 1024\n {11}progress\.bytesTotal: 4096\n/);
    assert.match(text, /\n {11}progress\.rate: 12 MiB\/s\n/);
    assert.match(text, /\nPod: {7}none yet\n/);
  });

  it('after a failure: the failed step, its message, the last progress, the retry command, the events newest first', () => {
    const r = importing();
    r.status!.phase = 'Failed';
    r.status!.failedStep = 'import';
    r.status!.steps!.import = {
      phase: 'Failed',
      jobName: 'q3-import-1',
      attempt: 1,
      startTime: '2026-12-01T10:00:00Z',
      completionTime: '2026-12-01T11:00:00Z',
      reason: 'TablespaceFull',
      message: 'ORA-01653: unable to extend table',
    };
    const pod = {
      ...runningPod,
      status: {
        phase: 'Failed',
        containerStatuses: [{ name: 'import', state: { terminated: { reason: 'Error', exitCode: 20 } } }],
      },
    };
    const events = [
      {
        type: 'Normal',
        reason: 'StepStarted',
        message: 'import: Job q3-import-1 started',
        lastTimestamp: '2026-12-01T10:00:00Z',
      },
      {
        type: 'Warning',
        reason: 'StepFailed',
        message: 'import: ORA-01653',
        lastTimestamp: '2026-12-01T11:00:00Z',
        count: 2,
      },
    ];
    const v = buildStatusView(r, [pod], events, NOW);
    assert.equal(currentStepOf(r), 'import');
    const text = formatStatus(v, NOW);
    assert.match(text, /\nPod: {7}q3-import-1-abcde: Failed: terminated \(Error, exit code 20\) on node-a\n/);
    assert.match(text, /\nProgress: {2}\[#{20}-{10}\] {2}65%\n/, 'the last progress stays');
    assert.match(text, /\nFailed: {4}import: TablespaceFull\n {11}ORA-01653: unable to extend table\n/);
    assert.ok(
      text.includes(
        '\nEvents (last first):\n  AGE  TYPE     REASON       MESSAGE\n' +
          '  1h   Warning  StepFailed   import: ORA-01653 (x2)\n' +
          '  2h   Normal   StepStarted  import: Job q3-import-1 started\n',
      ),
      text,
    );
    assert.match(
      text,
      /\n {2}retry: {5}kubectl annotate almarestore q3 -n library almarestore\.io\/retry="\$\(date \+%s\)" --overwrite\n/,
    );
    assert.match(text, /\n {2}logs: {6}kubectl logs -n library job\/q3-import-1 -c import {3}\(or/);
  });

  it('summarises the verification, naming each failed check and what to do', () => {
    const r = importing();
    r.status!.phase = 'Succeeded';
    r.status!.progress = 100;
    r.status!.verification = [
      {
        institutionId: '3978',
        checks: [
          { name: 'tableCounts', passed: true },
          { name: 'invalidObjects', passed: false, observed: '12', expected: '0', action: 'run utlrp.sql' },
        ],
      },
    ];
    const text = formatStatus(buildStatusView(r, [], [], NOW), NOW);
    assert.match(
      text,
      /\nVerification:\n {2}institution 3978: 1 of 2 checks passed\n {4}FAILED invalidObjects: observed 12; expected 0; run utlrp\.sql\n/,
    );
    assert.match(text, /\nEvents: {4}none\n/);
  });

  it('shows the data inventory against the previous restore, and the plan learnt from it', () => {
    const r = importing();
    r.status!.phase = 'Succeeded';
    r.status!.plan!.importEstimate = { seconds: 19_800, text: 'about 5 h 30 min, from library/q3' };
    r.status!.inventory = [
      {
        institutionId: '3978',
        exact: true,
        baseline: 'library/q3',
        areas: [
          { area: 'bibActive', count: 1_100_000, previous: 1_000_000, change: 0.1 },
          { area: 'users', count: 350, previous: 400, change: -0.125 },
          { area: 'licenses', notInDelivery: true },
        ],
      },
    ];
    const text = formatStatus(buildStatusView(r, [], [], NOW), NOW);
    assert.match(text, /\n {2}import estimate {2}about 5 h 30 min, from library\/q3\n/);
    assert.match(text, /\nInventory \(exact counts\):\n {2}institution 3978, compared with library\/q3:\n/);
    assert.match(text, /\n {4}bibActive +1,100,000 +1,000,000 +\+10\.0%\n/);
    assert.match(text, /\n {4}users +350 +400 +-12\.5%\n/);
    assert.match(text, /\n {4}licenses +not in this delivery/);
  });

  it('bars, durations and estimates at their edges', () => {
    assert.equal(progressBar(0, 10), '[----------]   0%');
    assert.equal(progressBar(100, 10), '[##########] 100%');
    assert.equal(progressBar(140, 10), '[##########] 100%');
    assert.equal(formatDuration(45), '45s');
    assert.equal(formatDuration(3725), '1h2m');
    assert.equal(formatDuration(90061), '1d1h');
    assert.equal(estimateEta('Importing', 40, '2026-12-01T11:00:00Z', NOW), undefined, 'no estimate at 0%');
    assert.equal(estimateEta('Planning', 1, '2026-12-01T11:00:00Z', NOW), undefined);
  });
});

describe('log lines', () => {
  it('turns pino JSON into readable lines and passes other lines through', async () => {
    process.env.TZ = 'UTC';
    const format = lineFormatter();
    const line = JSON.stringify({
      level: 'info',
      time: '2026-12-01T20:14:03.000Z',
      pid: 7,
      hostname: 'p',
      step: 'import',
      msg: 'progress 40%',
      percent: 40,
    });
    const out = format(line);
    assert.match(out, /^\[\d\d:\d\d:\d\d\] INFO: progress 40% \{"step":"import","percent":40\}\n$/);
    assert.equal(format('Import: Release 19.0.0.0.0'), 'Import: Release 19.0.0.0.0\n');
    const s = formattingStream(format);
    const sink = new PassThrough();
    s.pipe(sink);
    const chunks: string[] = [];
    sink.on('data', (c: Buffer) => chunks.push(c.toString()));
    s.write(line.slice(0, 20));
    s.write(`${line.slice(20)}\nplain`);
    s.end();
    await new Promise((r) => sink.on('end', r));
    const text = chunks.join('');
    assert.match(text, /^\[\d\d:\d\d:\d\d\] INFO: progress 40%/);
    assert.match(text, /\nplain\n$/);
  });
});
