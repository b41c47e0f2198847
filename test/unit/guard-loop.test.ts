// The tablespace guard's own loop (src/controller/guard-loop.ts) against an interface double of
// the guard whose checks resolve only when the test says so, a manual clock, and the reconciler
// over in-memory doubles: a hung check holds no reconcile and no other restore; a report reaches
// status once; an unregistered restore's late result is dropped; the concurrency bound holds.
// The scheduling rules themselves are the pure planChecks().
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type * as k8s from '@kubernetes/client-node';
import pino from 'pino';
import type { AlmaRestore, Phase } from '../../src/api/types.js';
import { staticCache } from '../../src/controller/caches.js';
import { FINALIZER, type GuardReport, type TablespaceGuardHook } from '../../src/controller/context.js';
import type { DesiredState } from '../../src/controller/desired.js';
import { GUARD_RETRY_MS, GuardLoop, stillGuarded, type LoopClock } from '../../src/controller/guard-loop.js';
import { planChecks } from '../../src/controller/guard-loop-decide.js';
import { Reconciler } from '../../src/controller/reconciler.js';
import { createMetrics } from '../../src/runtime/metrics.js';
import { TEST_OPTIONS, passDouble, unreachableKubeConfig } from '../support/pass-double.js';
import { almaRestore, existingSpec } from './api-fixtures.js';

const silent = pino({ level: 'silent' });
const OVERDUE_MS = 60_000;

/** Timers that fire only when the test moves the clock. */
class ManualClock implements LoopClock {
  private t = 0;
  private timers: { at: number; fn: () => void }[] = [];
  now() {
    return this.t;
  }
  setTimer(fn: () => void, ms: number) {
    const timer = { at: this.t + ms, fn };
    this.timers.push(timer);
    return timer;
  }
  clearTimer(handle: unknown) {
    this.timers = this.timers.filter((t) => t !== handle);
  }
  advance(ms: number) {
    const until = this.t + ms;
    for (;;) {
      const next = this.timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.t = next.at;
      next.fn();
    }
    this.t = until;
  }
}

interface HeldCheck {
  name: string;
  resolve(report: GuardReport): void;
  reject(err: Error): void;
}

/** A guard whose every check waits for the test: resolve() it, reject() it, or leave it hanging. */
class HeldGuard implements TablespaceGuardHook {
  readonly checks: HeldCheck[] = [];
  running = 0;
  maxRunning = 0;
  check(restore: AlmaRestore): Promise<GuardReport> {
    this.running += 1;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    return new Promise((resolve, reject) => {
      const done = () => (this.running -= 1);
      this.checks.push({
        name: restore.metadata.name,
        resolve: (r) => (done(), resolve(r)),
        reject: (e) => (done(), reject(e)),
      });
    });
  }
  names() {
    return this.checks.map((c) => c.name);
  }
  /** The newest check of this restore. */
  last(name: string): HeldCheck {
    const c = this.checks.findLast((x) => x.name === name);
    assert.ok(c, `a check of ${name} was started (checks so far: ${this.names().join(', ') || 'none'})`);
    return c;
  }
}

/** Lets every settled promise's continuations run (microtasks drain before setImmediate). */
const settle = () => new Promise<void>((r) => setImmediate(r));

/** 'returned' when p settles once the pending continuations have run, 'still waiting' otherwise. */
async function returnsAtOnce(p: Promise<unknown>): Promise<string> {
  return Promise.race([p.then(() => 'returned'), settle().then(() => 'still waiting')]);
}

const report = (over: Partial<GuardReport> = {}): GuardReport => ({
  tablespaces: [
    {
      institutionId: '3978',
      tablespace: 'USERS',
      usedRatio: 0.5,
      usedBytes: 50,
      allocatedBytes: 60,
      maxBytes: 100,
    },
  ],
  actions: [],
  alerts: [],
  pollAfterMs: 30_000,
  ...over,
});

const restoreNamed = (name: string) => almaRestore(existingSpec(), name);
const DESIRED = {} as DesiredState;

function loopWith(guard: TablespaceGuardHook, maxConcurrent: number, clock = new ManualClock()) {
  const woken: string[] = [];
  const loop = new GuardLoop({
    guard,
    enqueue: (key) => woken.push(key),
    log: silent,
    maxConcurrent,
    overdueMs: OVERDUE_MS,
    clock,
  });
  return { loop, woken, clock };
}

/** Restores in Importing with a running import Job each, and a Reconciler over doubles using `loop`. */
function importingRestores(names: string[], loop: GuardLoop) {
  const d = passDouble();
  const restores = names.map((name) => {
    const r = restoreNamed(name);
    r.metadata.uid = `uid-${name}`;
    r.metadata.finalizers = [FINALIZER];
    r.status = {
      phase: 'Importing',
      steps: { import: { phase: 'Running', jobName: `${name}-import-1`, attempt: 1 } },
    };
    return d.api.seed('almarestores', r);
  });
  const jobs = names.map((name): k8s.V1Job => ({
    metadata: {
      name: `${name}-import-1`,
      namespace: 'library',
      ownerReferences: [
        { apiVersion: 'almarestore.io/v1alpha1', kind: 'AlmaRestore', name, uid: `uid-${name}` },
      ],
    },
    spec: { template: {} },
    status: { active: 1 },
  }));
  const reconciler = new Reconciler({
    kc: unreachableKubeConfig(),
    log: silent,
    metrics: createMetrics(),
    events: d.pass.events,
    caches: { ...d.pass.caches, restores: staticCache(restores), jobs: staticCache(jobs) },
    options: TEST_OPTIONS,
    guard: loop,
    api: {
      status: d.api.statusApi,
      jobs: d.pass.jobs,
      finalizers: { setFinalizers: async () => assert.fail('no finalizer write') },
    },
  });
  const stored = (name: string) => d.api.peek<AlmaRestore>('almarestores', 'library', name)!;
  return { d, reconciler, stored };
}

describe('guard loop scheduling (pure)', () => {
  const base = { now: 1000, maxConcurrent: 2, overdueMs: OVERDUE_MS };

  it('starts what is due, oldest first, up to the bound, and wakes for the next due one', () => {
    const plan = planChecks({
      ...base,
      entries: [
        { key: 'ns/c', dueAt: 900 },
        { key: 'ns/a', dueAt: 500 },
        { key: 'ns/b', dueAt: 1000 },
        { key: 'ns/later', dueAt: 4000 },
      ],
      running: [],
    });
    assert.deepEqual(plan.start, ['ns/a', 'ns/c']);
    assert.deepEqual(plan.overdue, []);
    assert.equal(plan.wakeInMs, 3000, 'no slot frees by time alone; the next due entry is at 4000');
  });

  it('never starts a second check of a restore, even for a new registration', () => {
    const plan = planChecks({
      ...base,
      entries: [{ key: 'ns/a', dueAt: 0 }],
      running: [{ key: 'ns/a', startedAt: 990, overdueNoted: false }],
    });
    assert.deepEqual(plan.start, []);
    assert.equal(plan.wakeInMs, undefined, 'only the running check settling can change this');
  });

  it('a check running past overdueMs frees its slot (reported once) but still holds its own restore', () => {
    const running = [{ key: 'ns/hung', startedAt: 0, overdueNoted: false }];
    const entries = [
      { key: 'ns/hung', dueAt: 0 },
      { key: 'ns/b', dueAt: 10 },
    ];
    const before = planChecks({ ...base, maxConcurrent: 1, now: OVERDUE_MS - 1, entries, running });
    assert.deepEqual(before.start, []);
    assert.equal(before.wakeInMs, 1, 'woken when the hung check becomes overdue');
    const after = planChecks({ ...base, maxConcurrent: 1, now: OVERDUE_MS, entries, running });
    assert.deepEqual(after.start, ['ns/b']);
    assert.deepEqual(after.overdue, ['ns/hung']);
    const noted = planChecks({
      ...base,
      maxConcurrent: 1,
      now: OVERDUE_MS + 5,
      entries,
      running: [{ ...running[0]!, overdueNoted: true }],
    });
    assert.deepEqual(noted.overdue, [], 'reported once');
  });
});

describe('which watched restores stay in the guard loop (pure)', () => {
  const inPhase = (phase?: Phase) => {
    const r = restoreNamed('r');
    if (phase) r.status = { phase };
    return r;
  };

  it('an Importing restore stays; one that left Importing, is deleted or being deleted does not', () => {
    assert.equal(stillGuarded(inPhase('Importing')), true);
    for (const phase of ['Verifying', 'Suspended', 'Failed', 'Cancelled', 'Provisioning'] as const)
      assert.equal(stillGuarded(inPhase(phase)), false, phase);
    assert.equal(stillGuarded(inPhase()), false, 'no status yet');
    assert.equal(stillGuarded(inPhase('Importing'), true), false, 'a delete event');
    const deleting = inPhase('Importing');
    deleting.metadata.deletionTimestamp = new Date('2026-03-01T10:00:00Z');
    assert.equal(stillGuarded(deleting), false, 'being deleted');
  });
});

describe('guard loop', () => {
  it('while one restore’s check hangs, its reconcile returns at once and another restore’s report reaches status', async () => {
    const guard = new HeldGuard();
    const { loop, woken } = loopWith(guard, 2);
    const { d, reconciler, stored } = importingRestores(['slow', 'quick'], loop);

    assert.equal(
      await returnsAtOnce(reconciler.reconcile('library/slow')),
      'returned',
      'the first pass of slow returns while its check is pending',
    );
    assert.deepEqual(guard.names(), ['slow'], 'the pass registered it; the loop started its check');
    assert.equal(await returnsAtOnce(reconciler.reconcile('library/slow')), 'returned', 'still hanging');
    assert.deepEqual(guard.names(), ['slow'], 'one check of a restore at a time');

    assert.equal(
      await returnsAtOnce(reconciler.reconcile('library/quick')),
      'returned',
      'the pass of quick returns while slow hangs',
    );
    guard.last('quick').resolve(
      report({
        alerts: ['USERS (institution 3978) is 86.0% full of 32.0 GiB'],
        actions: [{ time: '2026-03-01T10:00:00.000Z', action: 'ALTER TABLESPACE USERS ADD DATAFILE ...' }],
      }),
    );
    await settle();
    assert.deepEqual(woken, ['library/quick'], 'the report wakes its restore');
    assert.equal(stored('quick').status?.tablespaces, undefined, 'written by a pass, not by the loop');

    assert.equal(
      await returnsAtOnce(reconciler.reconcile('library/quick')),
      'returned',
      'the pass that writes the report returns while slow hangs',
    );
    const quick = stored('quick').status!;
    assert.equal(quick.tablespaces?.[0]?.tablespace, 'USERS');
    assert.equal(quick.actions?.length, 1);
    const degraded = quick.conditions?.find((c) => c.type === 'Degraded');
    assert.equal(degraded?.status, 'True');
    assert.equal(degraded?.reason, 'TablespaceAlmostFull');
    assert.deepEqual(d.events, [
      'quick Warning/TablespaceAlmostFull: USERS (institution 3978) is 86.0% full of 32.0 GiB',
      'quick Normal/TablespaceGrown: ALTER TABLESPACE USERS ADD DATAFILE ...',
    ]);
    assert.equal(stored('slow').status?.tablespaces, undefined, 'nothing for the hung one');
    assert.ok(
      !d.api.writes().some((w) => w.endsWith('/slow')),
      `no write for slow: ${d.api.writes().join(', ')}`,
    );
  });

  it('writes a report once: later passes with no new report write and record nothing', async () => {
    const guard = new HeldGuard();
    const { loop, clock } = loopWith(guard, 2);
    const { d, reconciler, stored } = importingRestores(['once'], loop);
    await reconciler.reconcile('library/once');
    guard.last('once').resolve(
      report({
        alerts: ['USERS is 86.0% full'],
        actions: [{ time: '2026-03-01T10:00:00.000Z', action: 'ADD DATAFILE one' }],
      }),
    );
    await settle();
    await reconciler.reconcile('library/once');
    const writes = d.api.writes().length;
    assert.equal(writes, 1);
    for (let i = 0; i < 3; i++) await reconciler.reconcile('library/once');
    assert.equal(d.api.writes().length, writes, 'no further status write');
    assert.equal(stored('once').status?.actions?.length, 1, 'the action listed once');
    assert.deepEqual(
      d.events,
      [
        'once Warning/TablespaceAlmostFull: USERS is 86.0% full',
        'once Normal/TablespaceGrown: ADD DATAFILE one',
      ],
      'each Event recorded once',
    );
    assert.equal(loop.pending('library/once'), undefined, 'the report is marked recorded');

    // The next check comes at the report's pollAfterMs, not before; its report is written in turn.
    clock.advance(29_999);
    assert.equal(guard.checks.length, 1);
    clock.advance(1);
    assert.equal(guard.checks.length, 2, 'the next check at pollAfterMs');
    guard.last('once').resolve(report({ tablespaces: [] }));
    await settle();
    await reconciler.reconcile('library/once');
    assert.equal(d.api.writes().length, writes + 1);
    assert.deepEqual(stored('once').status?.tablespaces, []);
  });

  it('a report superseded before any pass wrote it keeps its actions in the next one', async () => {
    const guard = new HeldGuard();
    const { loop, clock } = loopWith(guard, 1);
    const { d, reconciler, stored } = importingRestores(['busy'], loop);
    await reconciler.reconcile('library/busy');
    guard.last('busy').resolve(report({ actions: [{ time: 't1', action: 'ADD DATAFILE first' }] }));
    await settle();
    clock.advance(30_000); // no pass in between (workers busy, or the import pod blocked)
    guard.last('busy').resolve(report({ actions: [{ time: 't2', action: 'ADD DATAFILE second' }] }));
    await settle();
    await reconciler.reconcile('library/busy');
    assert.deepEqual(
      stored('busy').status?.actions?.map((a) => a.action),
      ['ADD DATAFILE first', 'ADD DATAFILE second'],
    );
    assert.deepEqual(d.events, [
      'busy Normal/TablespaceGrown: ADD DATAFILE first',
      'busy Normal/TablespaceGrown: ADD DATAFILE second',
    ]);
  });

  it('unregistering discards a late result, and a new registration waits for the old check to end', async () => {
    const guard = new HeldGuard();
    const { loop, woken } = loopWith(guard, 2);
    loop.register('library/gone', restoreNamed('gone'), DESIRED);
    loop.unregister('library/gone');
    loop.register('library/gone', restoreNamed('gone'), DESIRED);
    assert.equal(guard.checks.length, 1, 'no second check against the same database while one runs');
    guard.checks[0]!.resolve(report());
    await settle();
    assert.deepEqual(woken, [], 'the late result of the earlier registration is dropped');
    assert.equal(loop.pending('library/gone'), undefined);
    assert.equal(guard.checks.length, 2, 'the new registration is checked once the old check ended');

    loop.unregister('library/gone');
    guard.checks[1]!.resolve(report());
    await settle();
    assert.deepEqual(woken, []);
    assert.equal(loop.pending('library/gone'), undefined);
    assert.deepEqual(loop.size, { registered: 0, running: 0 });
  });

  it('runs at most maxConcurrent checks at once, and each registered restore gets its turn', async () => {
    const guard = new HeldGuard();
    const { loop, woken } = loopWith(guard, 2);
    const names = ['a', 'b', 'c', 'd', 'e'];
    for (const n of names) loop.register(`library/${n}`, restoreNamed(n), DESIRED);
    assert.deepEqual(guard.names(), ['a', 'b']);
    guard.last('a').resolve(report());
    await settle();
    assert.deepEqual(guard.names(), ['a', 'b', 'c'], 'a freed slot goes to the next due restore');
    for (const n of ['b', 'c', 'd']) {
      guard.last(n).resolve(report());
      await settle();
    }
    guard.last('e').resolve(report());
    await settle();
    assert.deepEqual(guard.names(), names);
    assert.equal(guard.maxRunning, 2, 'never more than the bound at once');
    assert.deepEqual(woken.sort(), names.map((n) => `library/${n}`).sort());
  });

  it('a hung check stops holding a slot once overdue; its late result still counts; a failure is retried', async () => {
    const guard = new HeldGuard();
    const { loop, woken, clock } = loopWith(guard, 1);
    loop.register('library/hung', restoreNamed('hung'), DESIRED);
    loop.register('library/other', restoreNamed('other'), DESIRED);
    assert.deepEqual(guard.names(), ['hung'], 'the bound is 1');
    clock.advance(OVERDUE_MS - 1);
    assert.deepEqual(guard.names(), ['hung']);
    clock.advance(1);
    assert.deepEqual(guard.names(), ['hung', 'other'], 'the hung check no longer holds the slot');

    guard.last('other').reject(new Error('ORA-12170: TNS:Connect timeout occurred'));
    await settle();
    assert.deepEqual(woken, [], 'a failed check has nothing to write');
    assert.equal(loop.pending('library/other'), undefined);
    clock.advance(GUARD_RETRY_MS - 1);
    assert.equal(guard.names().length, 2);
    clock.advance(1);
    assert.deepEqual(guard.names(), ['hung', 'other', 'other'], 'retried GUARD_RETRY_MS later');

    // The hung restore is still registered: its late report (it may have added a datafile) is kept.
    guard.last('hung').resolve(report({ actions: [{ time: 't', action: 'late' }] }));
    await settle();
    assert.deepEqual(woken, ['library/hung']);
    assert.equal(loop.pending('library/hung')?.report.actions?.[0]?.action, 'late');
  });

  it('stop() drops every restore and discards running checks', async () => {
    const guard = new HeldGuard();
    const { loop, woken, clock } = loopWith(guard, 2);
    loop.register('library/a', restoreNamed('a'), DESIRED);
    loop.stop();
    guard.last('a').resolve(report());
    await settle();
    loop.register('library/b', restoreNamed('b'), DESIRED);
    clock.advance(10 * 60_000);
    assert.deepEqual(woken, []);
    assert.deepEqual(guard.names(), ['a'], 'nothing starts after stop');
    assert.equal(loop.pending('library/a'), undefined);
  });
});
