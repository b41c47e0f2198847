// The status helper and the ConfigMap compare, against the in-memory API double: a pass that
// changes nothing sends nothing; a change is written once with the object's resourceVersion; a
// 409 from a metadata-only change is retried on the fresh object, a 409 from a status change is not.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AlmaRestore } from '../../src/api/types.js';
import {
  MAX_CONFLICT_RETRIES,
  StatusConflictError,
  StatusWriter,
  nextStatus,
  sameStatus,
} from '../../src/controller/status.js';
import { configMapDrift, syncConfigMap } from '../../src/controller/configmap-sync.js';
import { ApiDouble, ApiError } from '../support/api-double.js';
import { almaRestore } from './api-fixtures.js';

const T0 = new Date('2026-03-01T10:00:00Z');
const T1 = new Date('2026-03-01T11:00:00Z');

function seeded(api: ApiDouble): AlmaRestore {
  const r = almaRestore(undefined, 'q1');
  r.metadata.generation = 1;
  r.status = {
    phase: 'Queued',
    progressMessage: 'Waiting for a free slot',
    observedGeneration: 1,
    conditions: [
      {
        type: 'Ready',
        status: 'False',
        reason: 'Queued',
        message: 'm',
        lastTransitionTime: '2026-03-01T09:00:00Z',
        observedGeneration: 1,
      },
    ],
  };
  return api.seed('almarestores', r);
}

describe('status helper', () => {
  it('nextStatus merges changes, drops undefined keys, keeps lastTransitionTime when a condition keeps its status', () => {
    const api = new ApiDouble();
    const r = seeded(api);
    const s = nextStatus(
      r,
      { progressMessage: undefined, progress: 5 },
      [{ type: 'Ready', status: 'False', reason: 'Other', message: 'n' }],
      '2026-03-01T10:00:00Z',
    );
    assert.equal('progressMessage' in s, false);
    assert.equal(s.progress, 5);
    assert.equal(s.conditions![0]!.lastTransitionTime, '2026-03-01T09:00:00Z');
    assert.equal(s.conditions![0]!.reason, 'Other');
    const flipped = nextStatus(r, {}, [{ type: 'Ready', status: 'True', reason: 'R', message: 'm' }], 'NOW');
    assert.equal(flipped.conditions![0]!.lastTransitionTime, 'NOW');
  });

  it('sameStatus ignores key order and undefined fields, not values', () => {
    assert.ok(
      sameStatus({ phase: 'Queued', progress: 1 }, { progress: 1, phase: 'Queued', plan: undefined }),
    );
    assert.ok(!sameStatus({ phase: 'Queued' }, { phase: 'Planning' }));
    assert.ok(
      !sameStatus(
        { steps: { fetch: { phase: 'Running', attempt: 1 } } },
        { steps: { fetch: { phase: 'Running', attempt: 2 } } },
      ),
    );
  });

  it('sends nothing when the status it would write is what the server holds', async () => {
    const api = new ApiDouble();
    const r = seeded(api);
    const writer = new StatusWriter(api.statusApi, () => T1);
    const sent = await writer.write(r, { progressMessage: 'Waiting for a free slot' }, [
      { type: 'Ready', status: 'False', reason: 'Queued', message: 'm' },
    ]);
    assert.equal(sent, false);
    assert.deepEqual(api.requests, []);
    assert.equal(writer.skipped, 1);
  });

  it('writes a change once, with the resourceVersion, and updates the caller copy', async () => {
    const api = new ApiDouble();
    const r = seeded(api);
    const rv = r.metadata.resourceVersion;
    const written: AlmaRestore[] = [];
    const writer = new StatusWriter(
      api.statusApi,
      () => T0,
      (u) => written.push(u),
    );
    assert.equal(await writer.write(r, { phase: 'Provisioning' }), true);
    assert.deepEqual(api.writes(), ['PUT almarestores/status library/q1']);
    assert.notEqual(r.metadata.resourceVersion, rv);
    assert.equal(r.status?.phase, 'Provisioning');
    assert.equal(written[0]?.metadata.resourceVersion, r.metadata.resourceVersion);
    // The same change again is a no-op.
    assert.equal(await writer.write(r, { phase: 'Provisioning' }), false);
    assert.equal(api.writes().length, 1);
  });

  it('on 409 after a metadata-only change, re-reads and writes the same change on the fresh object', async () => {
    const api = new ApiDouble();
    const r = seeded(api);
    api.annotate('almarestores', 'library', 'q1', { 'almarestore.io/retry': '1' });
    const writer = new StatusWriter(api.statusApi, () => T0);
    assert.equal(await writer.write(r, { phase: 'Provisioning' }), true);
    assert.deepEqual(api.requests, [
      'PUT almarestores/status library/q1',
      'GET almarestores library/q1',
      'PUT almarestores/status library/q1',
    ]);
    const stored = api.peek<AlmaRestore>('almarestores', 'library', 'q1')!;
    assert.equal(stored.status?.phase, 'Provisioning');
    assert.equal(stored.metadata.annotations?.['almarestore.io/retry'], '1', 'the annotation is kept');
  });

  it('on 409 after the status moved, throws a conflict (the pass was computed from a stale state)', async () => {
    const api = new ApiDouble();
    const r = seeded(api);
    const other = structuredClone(r);
    await new StatusWriter(api.statusApi, () => T0).write(other, { phase: 'Cancelled' });
    api.requests.length = 0;
    await assert.rejects(
      new StatusWriter(api.statusApi, () => T0).write(r, { phase: 'Provisioning' }),
      StatusConflictError,
    );
    assert.deepEqual(api.writes(), ['PUT almarestores/status library/q1'], 'no second PUT');
    assert.equal(api.peek<AlmaRestore>('almarestores', 'library', 'q1')!.status?.phase, 'Cancelled');
  });

  it(`gives up after ${MAX_CONFLICT_RETRIES} conflicts`, async () => {
    const api = new ApiDouble();
    const r = seeded(api);
    let puts = 0;
    const writer = new StatusWriter(
      {
        get: api.statusApi.get,
        replaceStatus: async () => {
          puts++;
          throw new ApiError(409, 'conflict');
        },
      },
      () => T0,
    );
    await assert.rejects(writer.write(r, { phase: 'Provisioning' }), StatusConflictError);
    assert.equal(puts, MAX_CONFLICT_RETRIES);
  });
});

describe('step ConfigMap compare-then-update', () => {
  const desired = () => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'q1-config',
      namespace: 'library',
      labels: { 'almarestore.io/restore': 'q1' },
      ownerReferences: [
        {
          apiVersion: 'almarestore.io/v1alpha1',
          kind: 'AlmaRestore',
          name: 'q1',
          uid: 'u1',
          controller: true,
        },
      ],
    },
    data: { 'restore.json': '{"a":1}' },
  });

  it('configMapDrift is empty for an equal copy, even with labels and fields the server or others added', () => {
    const existing = structuredClone(desired()) as ReturnType<typeof desired> & {
      metadata: { resourceVersion?: string };
    };
    existing.metadata.resourceVersion = '7';
    existing.metadata.labels = { ...existing.metadata.labels, team: 'library-systems' } as never;
    assert.deepEqual(configMapDrift(existing, desired()), []);
  });

  it('configMapDrift names what differs: data, a label of ours, our ownerReference', () => {
    const existing = structuredClone(desired());
    existing.data['restore.json'] = '{"a":2}';
    existing.metadata.labels['almarestore.io/restore'] = 'other';
    existing.metadata.ownerReferences[0]!.uid = 'old-uid';
    assert.deepEqual(configMapDrift(existing, desired()), [
      'data',
      'metadata.labels[almarestore.io/restore]',
      'metadata.ownerReferences[u1]',
    ]);
  });

  it('creates when absent, leaves an equal one alone, replaces a different one with its resourceVersion', async () => {
    const api = new ApiDouble();
    const cm = api.configMapApi();
    assert.deepEqual(await syncConfigMap(cm, 'library', undefined, desired()), { action: 'created' });
    const stored = api.peek<ReturnType<typeof desired>>('configmaps', 'library', 'q1-config')!;
    api.requests.length = 0;
    assert.deepEqual(await syncConfigMap(cm, 'library', stored, desired()), { action: 'unchanged' });
    assert.deepEqual(api.requests, [], 'an unchanged ConfigMap costs no request');

    const changed = desired();
    changed.data['restore.json'] = '{"a":3}';
    assert.deepEqual(await syncConfigMap(cm, 'library', stored, changed), {
      action: 'replaced',
      drift: ['data'],
    });
    assert.equal(
      api.peek<ReturnType<typeof desired>>('configmaps', 'library', 'q1-config')!.data['restore.json'],
      '{"a":3}',
    );
    // A stale cached copy: the replace carries its resourceVersion and is refused, not lost.
    const again = desired();
    again.data['restore.json'] = '{"a":4}';
    await assert.rejects(syncConfigMap(cm, 'library', stored, again), (e: ApiError) => e.code === 409);
  });

  it('a create the cache has not seen yet (409 AlreadyExists) is left for the next pass', async () => {
    const api = new ApiDouble();
    api.seed('configmaps', desired());
    assert.deepEqual(await syncConfigMap(api.configMapApi(), 'library', undefined, desired()), {
      action: 'unchanged',
    });
  });
});
