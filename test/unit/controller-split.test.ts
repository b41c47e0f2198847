// The reconcile concerns on their own, against in-memory doubles (test/support/pass-double.ts):
// the pure step outcome, admission under the limits, the lifecycle levers, and the entry's
// dispatch, each showing what it writes, and that a pass with nothing to change writes nothing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type * as k8s from '@kubernetes/client-node';
import type { AlmaRestore, Phase } from '../../src/api/types.js';
import { admissionBlocker, checkAndAdmit } from '../../src/controller/admission.js';
import { planningNeeds } from '../../src/controller/planning-decide.js';
import { cancel, maybeRetry, suspend, transition } from '../../src/controller/lifecycle.js';
import { Reconciler } from '../../src/controller/reconciler.js';
import { FINALIZER, RETRY_ANNOTATION } from '../../src/controller/context.js';
import { buildDesiredState } from '../../src/controller/desired.js';
import { stepOutcome } from '../../src/controller/step-outcome.js';
import { createMetrics } from '../../src/runtime/metrics.js';
import { staticCache } from '../../src/controller/caches.js';
import { stepResult } from '../support/restores.js';
import { TEST_OPTIONS, passDouble, unreachableKubeConfig } from '../support/pass-double.js';
import { existingSpec, almaRestore } from './api-fixtures.js';
import pino from 'pino';

const NOW = '2026-03-01T10:00:00Z';

function restoreIn(name: string, phase?: Phase, extra: Partial<AlmaRestore['status']> = {}): AlmaRestore {
  const r = almaRestore(existingSpec(), name);
  r.metadata.uid = `uid-${name}`;
  r.metadata.generation = 1;
  r.metadata.finalizers = [FINALIZER];
  r.metadata.creationTimestamp = '2026-03-01T09:00:00Z' as never;
  if (phase) r.status = { phase, ...extra };
  return r;
}

function finishedJob(name: string, type: 'Complete' | 'Failed', reason?: string): k8s.V1Job {
  return {
    metadata: { name },
    spec: {
      template: { spec: { containers: [{ name: 'fetch', resources: { limits: { memory: '512Mi' } } }] } },
      activeDeadlineSeconds: 3600,
    },
    status: { conditions: [{ type, status: 'True', ...(reason ? { reason } : {}) }] },
  } as k8s.V1Job;
}

describe('step outcome (pure)', () => {
  const prior = {
    phase: 'Running' as const,
    jobName: 'r-fetch-1',
    attempt: 1,
    startTime: '2026-03-01T09:00:00Z',
  };

  it('a Succeeded result moves to the next phase with its condition and a Normal Event', () => {
    const o = stepOutcome({
      step: 'fetch',
      job: finishedJob('r-fetch-1', 'Complete'),
      attempt: 1,
      prior,
      terminated: { exitCode: 0, message: stepResult('fetch') },
      now: NOW,
    });
    assert.equal(o.kind, 'done');
    if (o.kind !== 'done') return;
    assert.equal(o.next, 'Preparing');
    assert.equal(o.seconds, 3600);
    assert.deepEqual(o.event, { type: 'Normal', reason: 'StepSucceeded', message: 'fetch: fetch done' });
    assert.deepEqual(o.conditions, [
      { type: 'FetchSucceeded', status: 'True', reason: 'FetchDone', message: 'fetch done' },
    ]);
    assert.equal(o.stepStatus.phase, 'Succeeded');
    assert.equal(o.stepStatus.completionTime, NOW);
  });

  it('warnings keep the restore going, Degraded, with a Warning Event; the last step sets completionTime', () => {
    const o = stepOutcome({
      step: 'verify',
      job: finishedJob('r-verify-1', 'Complete'),
      attempt: 1,
      terminated: {
        exitCode: 0,
        message: stepResult('verify', 'SucceededWithWarnings', { verification: [{ check: 'x' }] }),
      },
      now: NOW,
    });
    assert.equal(o.kind, 'done');
    if (o.kind !== 'done') return;
    assert.equal(o.next, 'Succeeded');
    assert.equal(o.status.completionTime, NOW);
    assert.deepEqual(o.status.verification, [{ check: 'x' }]);
    assert.equal(o.event.type, 'Warning');
    assert.ok(o.conditions.some((c) => c.type === 'Degraded' && c.status === 'True'));
  });

  it('a Failed result, an OOM kill, a deadline and a missing result each fail with their own reason', () => {
    const failed = stepOutcome({
      step: 'fetch',
      job: finishedJob('r-fetch-1', 'Failed'),
      attempt: 1,
      terminated: { exitCode: 1, message: stepResult('fetch', 'Failed') },
      now: NOW,
    });
    assert.deepEqual([failed.kind, failed.kind === 'failed' && failed.reason], ['failed', 'BadDelivery']);
    const oom = stepOutcome({
      step: 'fetch',
      job: finishedJob('r-fetch-1', 'Failed'),
      attempt: 1,
      terminated: { exitCode: 137, reason: 'OOMKilled' },
      now: NOW,
    });
    assert.equal(oom.kind === 'failed' && oom.reason, 'OOMKilled');
    assert.match(oom.kind === 'failed' ? oom.message : '', /killed by its memory limit \(512Mi\)/);
    const deadline = stepOutcome({
      step: 'fetch',
      job: finishedJob('r-fetch-1', 'Failed', 'DeadlineExceeded'),
      attempt: 1,
      now: NOW,
    });
    assert.equal(deadline.kind === 'failed' && deadline.reason, 'DeadlineExceeded');
    assert.match(
      deadline.kind === 'failed' ? deadline.message : '',
      /3600s.*fetchDeadlineSeconds.*almarestore\.io\/retry/,
    );
    const missing = stepOutcome({
      step: 'fetch',
      job: finishedJob('r-fetch-1', 'Complete'),
      attempt: 1,
      terminated: { exitCode: 2 },
      now: NOW,
    });
    assert.equal(missing.kind === 'failed' && missing.reason, 'ResultMissing');
    assert.match(missing.kind === 'failed' ? missing.message : '', /ended without a result \(exit code 2\)/);
  });
});

describe('admission', () => {
  const limits = { maxConcurrentRestores: 2, maxConcurrentPerDatabase: 1 };

  it('admits under the limits, queues behind the same database or a full house (first come, first served)', () => {
    const me = restoreIn('me', 'Planning');
    assert.equal(admissionBlocker(me, [me], limits, 'db-a'), undefined);
    const active = { ...restoreIn('a', 'Fetching') };
    active.spec = { ...active.spec };
    assert.match(
      admissionBlocker(me, [me, active], limits, 'existing/db.example.edu:1521/almapdb') ?? '',
      /already use database/,
    );
    const later = restoreIn('later', 'Queued');
    later.metadata.creationTimestamp = '2026-03-01T09:30:00Z' as never;
    assert.equal(
      admissionBlocker(me, [me, later], limits, 'db-other'),
      undefined,
      'a later Queued one is not ahead',
    );
  });

  it('a restore waiting for a Secret writes its reason once, then nothing on the next pass', async () => {
    const d = passDouble();
    const r = d.api.seed('almarestores', restoreIn('q', 'Planning'));
    const desired = buildDesiredState(r, TEST_OPTIONS);
    assert.deepEqual(await checkAndAdmit(d.pass, r, desired), {});
    assert.match(r.status?.progressMessage ?? '', /^Waiting in Planning: Secret library\/.* does not exist/);
    assert.ok(d.events.some((e) => e.includes('Warning/SecretInvalid')));
    const writes = d.api.writes().length;
    assert.equal(writes, 1);
    await checkAndAdmit(d.pass, r, desired);
    assert.equal(d.api.writes().length, writes, 'the second pass changed nothing and sent nothing');
  });
});

describe('lifecycle', () => {
  it('a transition writes once and records the phase change; the same transition again sends nothing', async () => {
    const d = passDouble();
    const r = d.api.seed('almarestores', restoreIn('t', 'Planning'));
    const result = await transition(d.pass, r, {
      to: 'Queued',
      reason: 'Queued',
      message: 'Waiting for a free slot',
    });
    assert.deepEqual(result, { requeueAfterMs: undefined });
    assert.equal(r.status?.phase, 'Queued');
    assert.deepEqual(d.events, ['t Normal/Queued: Planning -> Queued: Waiting for a free slot']);
    assert.deepEqual(d.progressMarks, ['t']);
    await transition(d.pass, r, { to: 'Queued', reason: 'Queued', message: 'Waiting for a free slot' });
    assert.equal(d.api.writes().length, 1);
    assert.equal(d.events.length, 1);
  });

  it('cancel deletes only the unfinished Jobs this restore owns', async () => {
    const r = restoreIn('c', 'Fetching');
    const owned = (name: string, done: boolean, uid = r.metadata.uid!): k8s.V1Job => ({
      metadata: {
        name,
        namespace: 'library',
        labels: { 'almarestore.io/restore': 'c' },
        ownerReferences: [{ uid, apiVersion: 'v', kind: 'AlmaRestore', name: 'c' }],
      },
      status: done ? { conditions: [{ type: 'Complete', status: 'True' }] } : {},
    });
    const d = passDouble({
      jobs: [owned('c-fetch-1', false), owned('c-fetch-0', true), owned('c-old', false, 'other-uid')],
    });
    const stored = d.api.seed('almarestores', r);
    await cancel(d.pass, stored);
    assert.deepEqual(d.jobCalls, ['DELETE library/c-fetch-1']);
    assert.equal(stored.status?.phase, 'Cancelled');
    assert.equal(stored.status?.completionTime, NOW);
  });

  it('suspend remembers the phase and suspends the running Job; resume returns to it', async () => {
    const r = restoreIn('s', 'Importing');
    r.spec.suspend = true;
    const job: k8s.V1Job = {
      metadata: {
        name: 's-import-1',
        namespace: 'library',
        labels: { 'almarestore.io/restore': 's' },
        ownerReferences: [{ uid: r.metadata.uid!, apiVersion: 'v', kind: 'AlmaRestore', name: 's' }],
      },
    };
    const d = passDouble({ jobs: [job] });
    const stored = d.api.seed('almarestores', r);
    await suspend(d.pass, stored, true);
    assert.equal(stored.status?.phase, 'Suspended');
    assert.equal(stored.status?.suspendedPhase, 'Importing');
    await suspend(d.pass, stored, false);
    assert.equal(stored.status?.phase, 'Importing');
    assert.deepEqual(d.jobCalls, [
      'PATCH library/s-import-1 suspend=true',
      'PATCH library/s-import-1 suspend=false',
    ]);
  });

  it('a Failed restore waits for a new retry token, then resumes its step with the next attempt', async () => {
    const d = passDouble();
    const r = d.api.seed(
      'almarestores',
      restoreIn('f', 'Failed', {
        failedStep: 'import',
        lastRetry: '1',
        steps: { import: { phase: 'Failed', attempt: 1 } },
      }),
    );
    r.metadata.annotations = { [RETRY_ANNOTATION]: '1' };
    assert.deepEqual(await maybeRetry(d.pass, r), {});
    assert.equal(d.api.writes().length, 0, 'the token already used');
    r.metadata.annotations = { [RETRY_ANNOTATION]: '2' };
    await maybeRetry(d.pass, r);
    assert.equal(r.status?.phase, 'Importing');
    assert.deepEqual(r.status?.steps?.import, { phase: 'Pending', attempt: 2 });
    assert.equal(r.status?.lastRetry, '2');
  });
});

describe('reconciler entry', () => {
  it('reconciles finished and waiting restores from the cache with no request at all', async () => {
    const d = passDouble();
    const restores = [
      restoreIn('done', 'Succeeded'),
      restoreIn('failed', 'Failed', { failedStep: 'fetch' }),
      restoreIn('cancelled', 'Cancelled'),
    ].map((r) => d.api.seed('almarestores', r));
    const reconciler = new Reconciler({
      kc: unreachableKubeConfig(),
      log: pino({ level: 'silent' }),
      metrics: createMetrics(),
      events: d.pass.events,
      caches: { ...d.pass.caches, restores: staticCache(restores) },
      options: TEST_OPTIONS,
      api: {
        status: d.api.statusApi,
        jobs: d.pass.jobs,
        finalizers: { setFinalizers: async () => assert.fail('no finalizer write') },
      },
    });
    for (const r of restores) assert.deepEqual(await reconciler.reconcile(`library/${r.metadata.name}`), {});
    assert.deepEqual(d.api.requests, []);
    assert.deepEqual(d.jobCalls, []);
  });

  /** A Reconciler over the double (status and finalizer writes land in d.api and its request log). */
  function reconcilerOver(d: ReturnType<typeof passDouble>, restores: AlmaRestore[], caches = d.pass.caches) {
    return new Reconciler({
      kc: unreachableKubeConfig(),
      log: pino({ level: 'silent' }),
      metrics: createMetrics(),
      events: d.pass.events,
      caches: { ...caches, restores: staticCache(restores) },
      options: TEST_OPTIONS,
      api: {
        status: d.api.statusApi,
        jobs: d.pass.jobs,
        finalizers: d.api.finalizerApi,
      },
    });
  }

  /** The Secrets and the staging claim an existing-mode restore names, all present and fit. */
  function everythingNamedBy(restore: AlmaRestore) {
    const secrets = planningNeeds(restore.spec).secrets.map((name): k8s.V1Secret => ({
      metadata: { name, namespace: 'library' },
      data: { username: 'dQ==', password: 'cA==', knownHosts: 'aw==', url: 'dQ==' },
    }));
    const claim: k8s.V1PersistentVolumeClaim = {
      metadata: { name: 'alma-nfs', namespace: 'library' },
      status: { phase: 'Bound', capacity: { storage: '100Ti' } },
    };
    return { secrets, claims: [claim] };
  }

  it('a new restore whose checks pass goes from Pending to Queued in its first pass: one status PUT, one Event, no finalizer', async () => {
    const fresh = restoreIn('new');
    fresh.metadata.finalizers = [];
    const d = passDouble(everythingNamedBy(fresh));
    const stored = d.api.seed('almarestores', fresh);
    // An earlier restore of the same database holds its only slot.
    const holder = restoreIn('holder', 'Fetching');
    holder.metadata.creationTimestamp = '2026-03-01T08:00:00Z' as never;
    const reconciler = reconcilerOver(d, [stored, holder]);
    assert.deepEqual(await reconciler.reconcile('library/new'), {}, 'a free slot wakes it');
    assert.deepEqual(d.api.writes(), ['PUT almarestores/status library/new']);
    const now = d.api.peek<AlmaRestore>('almarestores', 'library', 'new')!;
    assert.equal(now.status?.phase, 'Queued');
    assert.ok(now.status?.plan, 'the plan is written with the phase');
    assert.equal(now.status?.conditions?.find((c) => c.type === 'Planned')?.status, 'True');
    assert.deepEqual(now.metadata.finalizers, [], 'a restore that owns nothing needs no finalizer');
    assert.equal(d.events.length, 1);
    assert.match(
      d.events[0]!,
      /^new Normal\/Queued: Pending -> Queued: Waiting for a free slot: 1 restore\(s\) already use database/,
    );
  });

  it('a new restore whose check fails goes from Pending to Planning in its first pass, saying why, in one status PUT', async () => {
    const d = passDouble();
    const fresh = restoreIn('lost');
    fresh.metadata.finalizers = [];
    const stored = d.api.seed('almarestores', fresh);
    const reconciler = reconcilerOver(d, [stored]);
    assert.deepEqual(await reconciler.reconcile('library/lost'), {}, "it waits for the Secret's event");
    assert.deepEqual(d.api.writes(), ['PUT almarestores/status library/lost']);
    const now = d.api.peek<AlmaRestore>('almarestores', 'library', 'lost')!;
    assert.equal(now.status?.phase, 'Planning');
    assert.match(
      now.status?.progressMessage ?? '',
      /^Waiting in Planning: Secret library\/.* does not exist/,
    );
    assert.equal(now.status?.conditions?.find((c) => c.type === 'Planned')?.reason, 'SecretInvalid');
    assert.ok(now.status?.plan);
    assert.ok(d.events.some((e) => e.startsWith('lost Warning/SecretInvalid')));
    assert.ok(
      d.events.some((e) => e.startsWith('lost Normal/Planning: Pending -> Planning: Waiting in Planning')),
    );
    await reconciler.reconcile('library/lost');
    assert.equal(d.api.writes().length, 1, 'the next pass has nothing new to say');
  });

  it('adds the finalizer when the restore is admitted, before Provisioning is written, in the same pass', async () => {
    const queued = restoreIn('adm', 'Queued');
    queued.metadata.finalizers = [];
    const d = passDouble(everythingNamedBy(queued));
    const stored = d.api.seed('almarestores', queued);
    const reconciler = reconcilerOver(d, [stored]);
    assert.deepEqual(await reconciler.reconcile('library/adm'), { requeueAfterMs: 0 });
    assert.deepEqual(d.api.writes(), [
      'PATCH almarestores library/adm finalizers',
      'PUT almarestores/status library/adm',
    ]);
    const now = d.api.peek<AlmaRestore>('almarestores', 'library', 'adm')!;
    assert.equal(now.status?.phase, 'Provisioning', JSON.stringify(now.status?.conditions));
    assert.deepEqual(now.metadata.finalizers, [FINALIZER]);
  });
});
