import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AlmaRestore, Phase } from '../../src/api/types.js';
import { SlotWatcher, queuedKeys } from '../../src/controller/queue-wakeup.js';
import { almaRestore } from './api-fixtures.js';

const inPhase = (name: string, phase?: Phase): AlmaRestore => ({
  ...almaRestore(undefined, name),
  ...(phase ? { status: { phase } } : {}),
});

describe('queued restores wake on a freed slot', () => {
  it('says a slot opened when an active restore finishes, fails or is deleted', () => {
    const slots = new SlotWatcher();
    assert.equal(slots.observe(inPhase('a', 'Importing')), false, 'first sight frees nothing');
    assert.equal(slots.observe(inPhase('a', 'Verifying')), false, 'still active');
    assert.equal(slots.observe(inPhase('a', 'Succeeded')), true);
    assert.equal(slots.observe(inPhase('a', 'Succeeded')), false, 'only once');

    assert.equal(slots.observe(inPhase('b', 'Fetching')), false);
    assert.equal(slots.observe(inPhase('b', 'Failed')), true);

    assert.equal(slots.observe(inPhase('c', 'Provisioning')), false);
    assert.equal(slots.observe(inPhase('c', 'Provisioning'), true), true, 'deleted while active');
    assert.equal(slots.observe(inPhase('c', 'Provisioning')), false, 'a new object of that name');
  });

  it('frees nothing when a restore moves between waiting phases', () => {
    const slots = new SlotWatcher();
    slots.observe(inPhase('d'));
    assert.equal(slots.observe(inPhase('d', 'Planning')), false);
    assert.equal(slots.observe(inPhase('d', 'Queued')), false);
    assert.equal(slots.observe(inPhase('d', 'Queued'), true), false, 'a queued restore held no slot');
  });

  it('lists the Queued restores to wake', () => {
    const keys = queuedKeys([inPhase('x', 'Queued'), inPhase('y', 'Importing'), inPhase('z', 'Queued')]);
    assert.deepEqual(keys, ['library/x', 'library/z']);
  });
});
