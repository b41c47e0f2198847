// The background Event sender (src/controller/events.ts) against an in-memory sink: record()
// returns before anything is sent, Events go out in the order recorded, a send that fails while
// the API server may still take it is retried until it lands, repeats are folded into one Event's
// count, and a full queue makes record() wait rather than drop anything.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type * as k8s from '@kubernetes/client-node';
import pino from 'pino';
import { ApiEventRecorder, retryable, type EventSink } from '../../src/controller/events.js';
import type { AlmaRestore } from '../../src/api/types.js';
import { almaRestore } from './api-fixtures.js';

class SinkDouble implements EventSink {
  readonly sent: string[] = [];
  readonly events = new Map<string, k8s.CoreV1Event>();
  /** Rejections to throw, in order, before requests succeed. */
  failures: { code?: number }[] = [];
  /** Resolved by the test to let the next request through. */
  private gates: (() => void)[] = [];
  gated = false;
  waiting = 0;

  private async gate() {
    if (!this.gated) return;
    this.waiting++;
    await new Promise<void>((r) => this.gates.push(r));
    this.waiting--;
  }
  release() {
    this.gates.shift()?.();
  }
  async create(namespace: string, body: k8s.CoreV1Event) {
    await this.gate();
    const f = this.failures.shift();
    if (f) throw Object.assign(new Error(`HTTP ${f.code ?? 'network'}`), f);
    this.sent.push(`POST ${body.reason} count=${body.count}`);
    this.events.set(`${namespace}/${body.metadata.name}`, body);
  }
  async patch(namespace: string, name: string, body: { count: number; lastTimestamp: Date }) {
    await this.gate();
    const f = this.failures.shift();
    if (f) throw Object.assign(new Error(`HTTP ${f.code ?? 'network'}`), f);
    const e = this.events.get(`${namespace}/${name}`);
    if (!e) throw Object.assign(new Error('not found'), { code: 404 });
    this.sent.push(`PATCH ${e.reason} count=${body.count}`);
    e.count = body.count;
  }
}

const log = pino({ level: 'silent' });
const restore = (name = 'q3'): AlmaRestore => almaRestore(undefined, name);

describe('background Event sender', () => {
  it('returns before sending, and delivers in order an Event whose first sends fail', async () => {
    const sink = new SinkDouble();
    sink.gated = true;
    sink.failures = [{ code: 503 }, {}]; // a 503, then a reset connection
    const events = new ApiEventRecorder(sink, log, { backoffMs: () => 0 });
    await events.record(restore(), 'Normal', 'Planning', 'Pending -> Planning');
    await events.record(restore(), 'Normal', 'Queued', 'Planning -> Queued');
    assert.deepEqual(sink.sent, [], 'record() resolved with nothing sent: the pass did not wait');
    assert.equal(events.queued, 2);
    sink.gated = false;
    sink.release();
    await events.flush();
    assert.deepEqual(sink.sent, ['POST Planning count=1', 'POST Queued count=1']);
    assert.equal(events.rejected, 0);
    const first = [...sink.events.values()][0]!;
    assert.equal(first.involvedObject.name, 'q3');
    assert.equal(first.message, 'Pending -> Planning');
  });

  it('folds repeats into one Event: queued ones into its count, later ones into a PATCH', async () => {
    const sink = new SinkDouble();
    sink.gated = true;
    const events = new ApiEventRecorder(sink, log, { backoffMs: () => 0 });
    await events.record(restore(), 'Normal', 'Planning', 'in flight');
    for (let i = 0; i < 3; i++) await events.record(restore(), 'Warning', 'SecretInvalid', 'no Secret');
    assert.equal(events.queued, 2, 'one queued entry for three occurrences, behind the one in flight');
    sink.gated = false;
    sink.release();
    await events.flush();
    await events.record(restore(), 'Warning', 'SecretInvalid', 'no Secret');
    await events.flush();
    assert.deepEqual(sink.sent, [
      'POST Planning count=1',
      'POST SecretInvalid count=3',
      'PATCH SecretInvalid count=4',
    ]);
  });

  it('makes record() wait when the queue is full instead of dropping an Event', async () => {
    const sink = new SinkDouble();
    sink.gated = true;
    const events = new ApiEventRecorder(sink, log, { maxQueued: 2, backoffMs: () => 0 });
    await events.record(restore('a'), 'Normal', 'A', 'a');
    await events.record(restore('b'), 'Normal', 'B', 'b');
    let third = false;
    const recorded = events.record(restore('c'), 'Normal', 'C', 'c').then(() => (third = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(third, false, 'the third record() waits for room');
    sink.gated = false;
    sink.release();
    await recorded;
    await events.flush();
    assert.deepEqual(sink.sent, ['POST A count=1', 'POST B count=1', 'POST C count=1']);
  });

  it('gives up only on a rejection no retry can fix', async () => {
    assert.equal(retryable({ code: 500 }), true);
    assert.equal(retryable({ code: 429 }), true);
    assert.equal(retryable(new Error('ECONNRESET')), true);
    assert.equal(retryable({ code: 403 }), false);
    const sink = new SinkDouble();
    sink.failures = [{ code: 403 }];
    const events = new ApiEventRecorder(sink, log, { backoffMs: () => 0 });
    await events.record(restore(), 'Normal', 'Forbidden', 'x');
    await events.record(restore(), 'Normal', 'Next', 'y');
    await events.flush();
    assert.equal(events.rejected, 1);
    assert.deepEqual(sink.sent, ['POST Next count=1'], 'the queue goes on after a rejection');
  });
});
