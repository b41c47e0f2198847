import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveSpec } from '../../src/api/defaults.js';
import { GiB } from '../../src/api/quantity.js';
import { planSizing } from '../../src/api/sizing.js';
import { buildStepConfig } from '../../src/resources/step-config-builder.js';
import { resolveAlmaRestore } from '../../src/api/defaults.js';
import type { AlmaRestore, RestoreHistory } from '../../src/api/types.js';
import { historyFor, inventoryStatus } from '../../src/controller/inventory-status.js';
import { minimalSpec } from './api-fixtures.js';

const GiBs = (n: number) => n * GiB;

function restore(name: string, extra: Partial<AlmaRestore['status']> = {}, uid = name): AlmaRestore {
  return {
    apiVersion: 'almarestore.io/v1alpha1',
    kind: 'AlmaRestore',
    metadata: { name, namespace: 'library', uid },
    spec: minimalSpec(),
    ...(Object.keys(extra).length > 0 ? { status: extra } : {}),
  };
}

/** A Succeeded restore of institution 3978 that counted 1,000,000 active bibs. */
function succeeded(name: string, completionTime: string, bibActive = 1_000_000): AlmaRestore {
  return restore(name, {
    phase: 'Succeeded',
    completionTime,
    inventory: [
      {
        institutionId: '3978',
        exact: true,
        areas: [
          { area: 'bibActive', count: bibActive },
          { area: 'users', count: 5000 },
          { area: 'licenses', notInDelivery: true },
        ],
      },
    ],
    steps: {
      fetch: {
        phase: 'Succeeded',
        attempt: 1,
        summary: { institutions: [{ id: '3978', extractedBytes: GiBs(60) }] },
      },
      import: {
        phase: 'Succeeded',
        attempt: 1,
        startTime: '2026-09-01T00:00:00Z',
        completionTime: '2026-09-01T05:00:00Z',
      },
    },
    tablespaces: [
      {
        institutionId: '3978',
        tablespace: 'USERS',
        usedRatio: 0.7,
        usedBytes: GiBs(50),
        allocatedBytes: GiBs(70),
        maxBytes: GiBs(100),
      },
    ],
  });
}

describe('restore history', () => {
  it('finds the newest Succeeded restore of the same institution and what it measured', () => {
    const now = restore('q4');
    const candidates = [
      succeeded('q2', '2026-06-01T00:00:00Z', 900_000),
      succeeded('q3', '2026-09-01T06:00:00Z'),
      restore('failed', { phase: 'Failed', completionTime: '2026-10-01T00:00:00Z' }),
      now,
    ];
    const history = historyFor(now, candidates);
    assert.deepEqual(history, [
      {
        institutionId: '3978',
        restore: 'library/q3',
        completedAt: '2026-09-01T06:00:00Z',
        bibActive: 1_000_000,
        dumpBytes: GiBs(60),
        tablespaceUsedBytes: GiBs(50),
        importSeconds: 5 * 3600,
        figures: [
          { area: 'bibActive', count: 1_000_000 },
          { area: 'users', count: 5000 },
          { area: 'licenses' },
        ],
      },
    ]);
    const otherCustomer = succeeded('x', '2026-11-01T00:00:00Z');
    otherCustomer.spec.customerId = '9999';
    assert.equal(historyFor(now, [otherCustomer]).length, 0, 'another customer is never a baseline');
  });

  it('sizes from the previous restore, scaled by bib records, and says so; ETA from its import time', () => {
    const spec = minimalSpec();
    spec.institutions[0]!.bibRecords = 1_100_000;
    const history = historyFor(restore('q4'), [succeeded('q3', '2026-09-01T06:00:00Z')]);
    const p = planSizing(resolveSpec(spec), history);
    // 60 GiB of dumps for 1.0 M bibs -> 66 GiB for 1.1 M, + 10% margin = 72.6 -> 73 GiB.
    assert.equal(p.stagingSize, '73Gi');
    // 50 GiB used for 1.0 M -> 55 GiB, + the vendor's 20% = 66 GiB.
    assert.equal(p.institutions[0]!.tablespaceBytes, GiBs(66));
    assert.equal(p.importEstimate?.seconds, 5.5 * 3600);
    assert.equal(p.importEstimate?.text, 'about 5 h 30 min, from library/q3');
    assert.match(p.basis!.staging, /^measured in library\/q3/);
    assert.match(p.basis!.tablespaces, /^measured in library\/q3/);
    // Without history: the vendor's rule, and no basis or estimate is claimed.
    const vendor = planSizing(resolveSpec(spec));
    assert.equal(vendor.stagingSize, '78Gi');
    assert.equal(vendor.basis, undefined);
    assert.equal(vendor.importEstimate, undefined);
  });

  it('hands the baseline to the verify step and the tolerances from the spec', () => {
    const r = succeeded('q4-self', '2026-12-01T00:00:00Z');
    const history: RestoreHistory[] = historyFor(restore('q4'), [succeeded('q3', '2026-09-01T06:00:00Z')]);
    r.status = { history };
    r.spec.import = { postImport: { inventory: { dropTolerance: 0.05 } } };
    const resolved = resolveAlmaRestore(r);
    const config = buildStepConfig(resolved, planSizing(resolved.spec, resolved.history));
    assert.deepEqual(config.institutions[0]!.previous, {
      restore: 'library/q3',
      completedAt: '2026-09-01T06:00:00Z',
      figures: { bibActive: 1_000_000, users: 5000, licenses: null },
    });
    assert.deepEqual(config.postImport.inventory, { bibRecordsTolerance: 0.1, dropTolerance: 0.05 });
  });

  it('joins the verify summary with the baseline: previous figure and change per area', () => {
    const history = historyFor(restore('q4'), [succeeded('q3', '2026-09-01T06:00:00Z')]);
    const status = inventoryStatus(
      {
        areas: ['bibActive', 'users', 'licenses'],
        institutions: [{ institutionId: '3978', figures: [950_000, 5100, 7] }],
      },
      history,
    );
    assert.deepEqual(status, [
      {
        institutionId: '3978',
        exact: true,
        baseline: 'library/q3',
        areas: [
          { area: 'bibActive', count: 950_000, previous: 1_000_000, change: -0.05 },
          { area: 'users', count: 5100, previous: 5000, change: 0.02 },
          { area: 'licenses', count: 7 },
        ],
      },
    ]);
    assert.equal(inventoryStatus(undefined), undefined);
    assert.equal(inventoryStatus({ junk: true }), undefined);
  });
});
