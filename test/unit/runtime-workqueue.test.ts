import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkQueue } from '../../src/runtime/workqueue.js';

describe('WorkQueue', () => {
  it('de-duplicates a key that is already queued', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('a');
    q.add('b');
    assert.equal(q.depth, 2);
    assert.equal(await q.get(), 'a');
    assert.equal(await q.get(), 'b');
  });

  it('never hands out a key being processed; re-queues it once done if it was added meanwhile', async () => {
    const q = new WorkQueue();
    q.add('a');
    const key = await q.get();
    q.add('a'); // an event while reconciling
    assert.equal(q.depth, 0, 'not handed out twice at once');
    q.done(key!);
    assert.equal(q.depth, 1);
    assert.equal(await q.get(), 'a');
  });

  it('backs off exponentially per key and forgets after success', () => {
    const q = new WorkQueue({ baseMs: 100, maxMs: 1000 });
    assert.deepEqual([q.addRateLimited('k'), q.addRateLimited('k'), q.addRateLimited('k')], [100, 200, 400]);
    assert.equal(q.addRateLimited('k'), 800);
    assert.equal(q.addRateLimited('k'), 1000, 'capped');
    q.forget('k');
    assert.equal(q.addRateLimited('k'), 100);
    q.shutDown();
  });

  it('addAfter delivers the key later, and an earlier deadline wins', async () => {
    const q = new WorkQueue();
    const keepAlive = setTimeout(() => {}, 5000); // the queue's timers do not hold the process open
    q.addAfter('a', 60_000);
    q.addAfter('a', 10);
    const got = await q.get();
    clearTimeout(keepAlive);
    assert.equal(got, 'a');
    q.shutDown();
  });

  it('wakes a waiting worker and releases waiters at shutdown', async () => {
    const q = new WorkQueue();
    const waiting = q.get();
    q.add('x');
    assert.equal(await waiting, 'x');
    const idle = q.get();
    q.shutDown();
    assert.equal(await idle, undefined);
  });
});
