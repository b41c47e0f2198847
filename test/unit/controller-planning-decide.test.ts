import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  planningNeeds,
  planningProblems,
  registryOf,
  type PlanningFacts,
} from '../../src/controller/planning-decide.js';
import type { AlmaRestoreSpec, SizingPlan } from '../../src/api/types.js';
import { managedRestore, existingRestore } from '../support/restores.js';

const plan = { stagingSize: '212Gi', stagingBytes: 212 * 2 ** 30, totalBibRecords: 3_000_000 } as SizingPlan;
const allSecrets = (spec: AlmaRestoreSpec, extra: PlanningFacts['secrets'] = new Map()) => {
  const m: PlanningFacts['secrets'] = new Map();
  for (const name of planningNeeds(spec).secrets)
    m.set(name, { keys: ['username', 'password', 'knownHosts', 'url'] });
  for (const [k, v] of extra) m.set(k, v);
  return m;
};

describe('planningProblems', () => {
  it('names a missing StorageClass with the field to change and the classes there are', () => {
    const spec = managedRestore('a', { storage: { storageClassName: 'fast' } }).spec;
    const problems = planningProblems(spec, plan, {
      namespace: 'lib',
      secrets: allSecrets(spec),
      storageClasses: ['gold', 'standard'],
    });
    assert.deepEqual(problems, [
      {
        reason: 'StorageClassNotFound',
        message:
          'StorageClass fast (storage.storageClassName) does not exist (the cluster has gold, standard; kubectl get storageclass): create it, or set storage.storageClassName to one that exists',
      },
    ]);
    assert.deepEqual(
      planningProblems(spec, plan, { namespace: 'lib', secrets: allSecrets(spec), storageClasses: ['fast'] }),
      [],
    );
  });

  it('checks image pull Secrets exist and are docker-registry Secrets', () => {
    const spec = managedRestore('a').spec;
    spec.database.managed!.imagePullSecrets = ['reg'];
    const facts = (
      reg: PlanningFacts['secrets'] extends Map<string, infer V> ? V : never,
    ): PlanningFacts => ({
      namespace: 'lib',
      secrets: allSecrets(spec, new Map([['reg', reg]])),
      storageClasses: [],
    });
    assert.match(
      planningProblems(spec, plan, facts(undefined))[0]!.message,
      /does not exist: create it \(kubectl create secret docker-registry reg -n lib --docker-server=container-registry\.oracle\.com/,
    );
    assert.match(
      planningProblems(spec, plan, facts({ type: 'Opaque', keys: ['x'] }))[0]!.message,
      /is of type Opaque/,
    );
    assert.deepEqual(
      planningProblems(
        spec,
        plan,
        facts({ type: 'kubernetes.io/dockerconfigjson', keys: ['.dockerconfigjson'] }),
      ),
      [],
    );
  });

  it("compares an existing database's claim with the plan", () => {
    const spec = existingRestore('a').spec;
    const facts = (stagingClaim?: PlanningFacts['stagingClaim']): PlanningFacts => ({
      namespace: 'lib',
      secrets: allSecrets(spec),
      storageClasses: [],
      ...(stagingClaim ? { stagingClaim } : {}),
    });
    assert.equal(planningProblems(spec, plan, facts())[0]!.reason, 'StagingClaimMissing');
    assert.equal(
      planningProblems(spec, plan, facts({ size: '100Gi', deleting: false }))[0]!.reason,
      'StagingClaimTooSmall',
    );
    assert.deepEqual(planningProblems(spec, plan, facts({ size: '1Ti', deleting: false })), []);
  });

  it('finds the registry of an image', () => {
    assert.equal(
      registryOf('container-registry.oracle.com/database/enterprise:19.3.0.0'),
      'container-registry.oracle.com',
    );
    assert.equal(registryOf('oracle/database:19.3.0-ee'), 'docker.io');
    assert.equal(registryOf('localhost:5000/db'), 'localhost:5000');
  });
});
