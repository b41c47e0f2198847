import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveSpec } from '../../src/api/defaults.js';
import { GiB, formatGiB, isQuantity, parseQuantity } from '../../src/api/quantity.js';
import {
  DATABASE_OVERHEAD_BYTES,
  TABLESPACE_HEADROOM,
  estimatedDataBytes,
  planSizing,
} from '../../src/api/sizing.js';
import type { AlmaRestoreSpec } from '../../src/api/types.js';
import { existingSpec, minimalSpec } from './api-fixtures.js';

const plan = (mutate: (s: AlmaRestoreSpec) => void = () => {}) => {
  const spec = minimalSpec();
  mutate(spec);
  return planSizing(resolveSpec(spec));
};

describe('planSizing', () => {
  it('follows the vendor for one million bibs: ~150 GiB split 70/80, tablespace with 20% headroom', () => {
    const p = plan();
    assert.equal(p.totalBibRecords, 1_000_000);
    assert.equal(p.stagingSize, '71Gi'); // 150 x 0.47 = 70.5, rounded up
    assert.equal(p.stagingBytes, 71 * GiB);
    assert.equal(p.institutions[0]!.tablespaceSize, '80Gi'); // 150 x 0.53 = 79.5
    assert.equal(p.databaseSize, formatGiB(80 * GiB + DATABASE_OVERHEAD_BYTES));
    assert.equal(p.institutionIds, '3978');
    assert.equal(p.warnings, undefined);
    // The tablespace is 20% above the estimated data.
    const data = estimatedDataBytes(1_000_000, resolveSpec(minimalSpec()));
    assert.ok(p.institutions[0]!.tablespaceBytes >= data * TABLESPACE_HEADROOM);
  });

  it('scales linearly and sums the institutions of a consortium', () => {
    const p = plan((s) => {
      s.institutions = [
        { institutionId: '1', bibRecords: 2_000_000 },
        { institutionId: '2', bibRecords: 500_000 },
      ];
    });
    assert.equal(p.totalBibRecords, 2_500_000);
    assert.equal(p.institutionIds, '1,2');
    assert.equal(p.stagingSize, '177Gi'); // 2.5 x 70.5 = 176.25
    assert.deepEqual(
      p.institutions.map((i) => [i.schema, i.tablespace, i.tablespaceSize]),
      [
        ['EXL_ADMIN', 'USERS', '159Gi'],
        ['EXL_ADMIN_2', 'USERS2', '40Gi'],
      ],
    );
    assert.equal(p.databaseBytes, 159 * GiB + 40 * GiB + DATABASE_OVERHEAD_BYTES);
  });

  it('never plans a volume below minimumSize, nor a tablespace below 1 GiB', () => {
    const p = plan((s) => (s.institutions[0]!.bibRecords = 1000));
    assert.equal(p.stagingSize, '20Gi');
    assert.equal(p.databaseBytes, Math.max(20 * GiB, GiB + DATABASE_OVERHEAD_BYTES));
    assert.equal(p.institutions[0]!.tablespaceSize, '1Gi');
    const big = plan((s) => {
      s.institutions[0]!.bibRecords = 1000;
      s.storage = { minimumSize: '50Gi' };
    });
    assert.equal(big.stagingSize, '50Gi');
    assert.equal(big.databaseSize, '50Gi');
  });

  it('honours the ratio and the split', () => {
    const p = plan((s) => (s.storage = { gibPerMillionBibs: 200, stagingFraction: 0.5 }));
    assert.equal(p.stagingSize, '100Gi');
    assert.equal(p.institutions[0]!.tablespaceSize, '100Gi');
  });

  it('keeps explicit sizes as written, warning when they are below the plan', () => {
    const p = plan((s) => (s.storage = { stagingSize: '50Gi', databaseSize: '1Ti' }));
    assert.equal(p.stagingSize, '50Gi');
    assert.equal(p.databaseSize, '1Ti');
    assert.equal(p.databaseBytes, 2 ** 40);
    assert.equal(p.warnings?.length, 1);
    assert.match(
      p.warnings![0]!,
      /storage\.stagingSize 50Gi is below the 71Gi planned for 1000000 bib records/,
    );
    const small = plan((s) => (s.storage = { databaseSize: '40Gi' }));
    assert.match(small.warnings![0]!, /storage\.databaseSize 40Gi is below the 96Gi planned/);
  });

  it('does not warn about a database size in existing mode (no database volume)', () => {
    const spec = existingSpec();
    spec.storage = { databaseSize: '30Gi' };
    assert.equal(planSizing(resolveSpec(spec)).warnings, undefined);
  });
});

describe('quantities', () => {
  it('parses the suffixes the CRD admits', () => {
    assert.equal(parseQuantity('150Gi'), 150 * GiB);
    assert.equal(parseQuantity('1.5Ti'), 1.5 * 2 ** 40);
    assert.equal(parseQuantity('500M'), 500e6);
    assert.equal(parseQuantity('250m'), 0.25);
    assert.equal(parseQuantity('1024'), 1024);
    assert.throws(() => parseQuantity('10 GB'), /not a Kubernetes quantity/);
    assert.throws(() => parseQuantity('10GB'), /not a Kubernetes quantity/);
  });

  it("reads everything CEL's isQuantity() accepts (resource.ParseQuantity), which the patterns do not", () => {
    assert.equal(parseQuantity('1e3'), 1000);
    assert.equal(parseQuantity('5E-1'), 0.5);
    assert.equal(parseQuantity('+5Gi'), 5 * GiB);
    assert.equal(parseQuantity('-1'), -1);
    assert.equal(parseQuantity('.5Gi'), 0.5 * GiB);
    assert.equal(parseQuantity('1.'), 1);
    assert.ok(Math.abs(parseQuantity('100n') - 100e-9) < 1e-18);
    assert.ok(
      isQuantity('1e3') && isQuantity('2u') && !isQuantity('') && !isQuantity('1e') && !isQuantity('1Gb'),
    );
  });
});
