// Admission one decision at a time (src/controller/admission-gate.ts): with the cache still
// showing neither restore as active, two restores of one database decided at once must not both
// be admitted under a per-database limit of 1, as the controller bench saw at a backlog start.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AlmaRestore, Phase } from '../../src/api/types.js';
import { admissionBlocker, checkAndAdmit } from '../../src/controller/admission.js';
import { buildDesiredState } from '../../src/controller/desired.js';
import { planningNeeds } from '../../src/controller/planning-decide.js';
import { AdmissionGate } from '../../src/controller/admission-gate.js';
import { TEST_OPTIONS, passDouble } from '../support/pass-double.js';
import { almaRestore, existingSpec } from './api-fixtures.js';

const DB = 'existing/db.example.edu:1521/almapdb';

function restoreIn(name: string, phase: Phase): AlmaRestore {
  const r = almaRestore(existingSpec(), name);
  r.metadata.uid = `uid-${name}`;
  r.metadata.creationTimestamp = '2026-03-01T09:00:00Z' as never;
  r.status = { phase };
  return r;
}

/** What admit() does for `restore`, through `gate`, against a cache that never changes. */
function decide(gate: AdmissionGate, restore: AlmaRestore, cached: AlmaRestore[]) {
  return gate.serially(async () => {
    const why = admissionBlocker(restore, gate.view(cached), TEST_OPTIONS, DB);
    // The finalizer PATCH comes between the decision and the mark, as in admit().
    await new Promise((r) => setTimeout(r, 10));
    if (!why) gate.markAdmitted(restore);
    // The status write of the admission takes a while; the cache does not show it meanwhile.
    await new Promise((r) => setTimeout(r, 20));
    return why;
  });
}

describe('the admission gate', () => {
  it('admits one of two restores of one database decided at once, while the cache lags', async () => {
    const a = restoreIn('a', 'Planning');
    const b = restoreIn('b', 'Planning');
    const gate = new AdmissionGate();
    const verdicts = await Promise.all([decide(gate, a, [a, b]), decide(gate, b, [a, b])]);
    assert.equal(verdicts.filter((v) => v === undefined).length, 1, `verdicts: ${JSON.stringify(verdicts)}`);
    assert.match(verdicts[1] ?? '', /1 restore\(s\) already use database/);
  });

  it('counts an admitted restore until the cache shows it active, then follows the cache', () => {
    const gate = new AdmissionGate();
    const a = restoreIn('a', 'Queued');
    gate.markAdmitted(a);
    assert.equal(gate.view([a])[0]!.status?.phase, 'Provisioning', 'the stale copy counts as admitted');
    const cachedActive = { ...a, status: { phase: 'Fetching' as const } };
    assert.equal(gate.view([cachedActive])[0]!.status?.phase, 'Fetching');
    const laterFailed = { ...a, status: { phase: 'Failed' as const } };
    assert.equal(
      gate.view([laterFailed])[0]!.status?.phase,
      'Failed',
      'no longer overridden once seen active',
    );
  });

  it('forgets an admission whose write failed, and runs the next decision after a failed one', async () => {
    const gate = new AdmissionGate();
    const a = restoreIn('a', 'Queued');
    gate.markAdmitted(a);
    gate.forget(a);
    assert.equal(gate.view([a])[0]!.status?.phase, 'Queued');
    await assert.rejects(gate.serially(async () => Promise.reject(new Error('409'))));
    assert.equal(await gate.serially(async () => 'next'), 'next');
  });
});

describe('checkAndAdmit through the gate', () => {
  it('admits one of two restores of one database whose passes run at once on a stale cache', async () => {
    const a = restoreIn('a', 'Planning');
    const b = restoreIn('b', 'Planning');
    const ns = a.metadata.namespace!;
    const secrets = planningNeeds(a.spec).secrets.map((name) => ({
      metadata: { name, namespace: ns },
      data: { username: 'eA==', password: 'eA==', knownHosts: 'eA==', url: 'eA==' },
    }));
    const claim = a.spec.database.existing!.stagingClaimName!;
    const claims = [{ metadata: { name: claim, namespace: ns }, status: { phase: 'Bound' } }];
    const d = passDouble({ restores: [a, b], secrets, claims });
    const seeded = [d.api.seed('almarestores', a), d.api.seed('almarestores', b)];
    await Promise.all(seeded.map((r) => checkAndAdmit(d.pass, r, buildDesiredState(r, TEST_OPTIONS))));
    const phases = seeded.map((r) => r.status?.phase).sort();
    assert.deepEqual(
      phases,
      ['Provisioning', 'Queued'],
      `messages: ${seeded.map((r) => r.status?.progressMessage).join(' | ')}`,
    );
  });
});
