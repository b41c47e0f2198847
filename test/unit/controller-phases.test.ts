import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { overallProgress, phaseAfter, stepOfPhase } from '../../src/controller/phases.js';
import { decideLease } from '../../src/runtime/leader-election.js';
import { phaseConditions } from '../../src/controller/reconciler.js';

describe('phase machine', () => {
  it('runs the steps in the runbook order and ends in Succeeded', () => {
    assert.equal(stepOfPhase('Fetching'), 'fetch');
    assert.equal(phaseAfter('fetch'), 'Preparing');
    assert.equal(phaseAfter('prepare'), 'Importing');
    assert.equal(phaseAfter('import'), 'Verifying');
    assert.equal(phaseAfter('verify'), 'Succeeded');
    assert.equal(stepOfPhase('Queued'), undefined);
  });

  it('reports progress that only grows along the phases', () => {
    const seq = [
      'Pending',
      'Planning',
      'Queued',
      'Provisioning',
      'Fetching',
      'Preparing',
      'Importing',
      'Verifying',
      'Succeeded',
    ] as const;
    const values = seq.map((p) => overallProgress(p));
    assert.deepEqual(
      [...values].sort((a, b) => a - b),
      values,
    );
    assert.equal(overallProgress('Succeeded'), 100);
    assert.equal(
      overallProgress('Importing', 0.5),
      65,
      'halfway through the import is halfway between 40 and 90',
    );
    assert.equal(overallProgress('Failed'), 0);
  });

  it('derives Ready / Progressing / Failed from the phase', () => {
    const byType = (phase: Parameters<typeof phaseConditions>[0]) =>
      Object.fromEntries(phaseConditions(phase, 'R', 'm').map((c) => [c.type, c.status]));
    assert.deepEqual(byType('Importing'), { Ready: 'False', Progressing: 'True', Failed: 'False' });
    assert.deepEqual(byType('Succeeded'), { Ready: 'True', Progressing: 'False', Failed: 'False' });
    assert.deepEqual(byType('Failed'), { Ready: 'False', Progressing: 'False', Failed: 'True' });
  });
});

describe('leader election decision', () => {
  const now = Date.parse('2026-11-28T12:00:00Z');
  const lease = (holder: string, renewedSecondsAgo: number) => ({
    spec: {
      holderIdentity: holder,
      leaseDurationSeconds: 15,
      renewTime: new Date(now - renewedSecondsAgo * 1000).toISOString() as never,
    },
  });
  it('acquires a free or expired lease, renews its own, waits for a live one', () => {
    assert.equal(decideLease(undefined, 'me', now), 'acquire');
    assert.equal(decideLease({ spec: { holderIdentity: '' } }, 'me', now), 'acquire');
    assert.equal(decideLease(lease('me', 5), 'me', now), 'renew');
    assert.equal(decideLease(lease('other', 5), 'me', now), 'wait');
    assert.equal(decideLease(lease('other', 16), 'me', now), 'acquire');
  });
});
