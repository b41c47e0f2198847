import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CONDITION,
  findCondition,
  isConditionTrue,
  removeCondition,
  setCondition,
  stepConditionType,
} from '../../src/api/conditions.js';

const T1 = '2026-07-01T10:00:00Z';
const T2 = '2026-07-01T11:00:00Z';

describe('setCondition', () => {
  it('appends a new condition with the time of the call (seconds precision)', () => {
    const list = setCondition(
      undefined,
      { type: 'Ready', status: 'False', reason: 'Pending', message: 'queued' },
      new Date('2026-07-01T10:00:00.123Z'),
    );
    assert.deepEqual(list, [
      { type: 'Ready', status: 'False', reason: 'Pending', message: 'queued', lastTransitionTime: T1 },
    ]);
  });

  it('keeps lastTransitionTime when only reason or message change', () => {
    const a = setCondition([], { type: 'Progressing', status: 'True', reason: 'Planning', message: 'a' }, T1);
    const b = setCondition(
      a,
      { type: 'Progressing', status: 'True', reason: 'StepRunning', message: 'b', observedGeneration: 2 },
      T2,
    );
    assert.equal(b[0]!.lastTransitionTime, T1);
    assert.equal(b[0]!.reason, 'StepRunning');
    assert.equal(b[0]!.observedGeneration, 2);
  });

  it('moves lastTransitionTime when the status changes, keeps the order, does not mutate', () => {
    const a = setCondition(
      setCondition([], { type: 'Ready', status: 'False', reason: 'x', message: '' }, T1),
      { type: 'Failed', status: 'False', reason: 'x', message: '' },
      T1,
    );
    const frozen = structuredClone(a);
    const b = setCondition(a, { type: 'Ready', status: 'True', reason: 'Succeeded', message: 'done' }, T2);
    assert.deepEqual(
      b.map((c) => [c.type, c.lastTransitionTime]),
      [
        ['Ready', T2],
        ['Failed', T1],
      ],
    );
    assert.deepEqual(a, frozen);
    assert.ok(isConditionTrue(b, 'Ready'));
    assert.equal(findCondition(b, 'Failed')?.status, 'False');
    assert.deepEqual(
      removeCondition(b, 'Ready').map((c) => c.type),
      ['Failed'],
    );
  });

  it('names one condition per step', () => {
    assert.equal(stepConditionType('fetch'), CONDITION.FetchSucceeded);
    assert.equal(stepConditionType('verify'), 'VerifySucceeded');
  });
});
