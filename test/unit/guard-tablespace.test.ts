import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { decide, type DecisionInput } from '../../src/controller/tablespace-guard-decide.js';
import { TablespaceGuard } from '../../src/controller/tablespace-guard.js';
import { SMALLFILE_UNLIMITED_BLOCKS, storageLimit } from '../../src/oracle/dictionary-sizing.js';
import { createMetrics } from '../../src/runtime/metrics.js';
import { DOUBLE_GIB as GiB, DictionaryDouble } from '../support/dictionary-double.js';

const FILE_MAX = SMALLFILE_UNLIMITED_BLOCKS * 8192; // what one smallfile can reach at 8 KiB blocks

/** A decision input; `storage` is derived from usage and files unless given. */
function input(usedRatio: number, over: Partial<DecisionInput> = {}): DecisionInput {
  const base = baseInput(usedRatio, over);
  return { ...base, storage: over.storage ?? storageLimit(base.usage, base.tablespace) };
}

function baseInput(usedRatio: number, over: Partial<DecisionInput>): Omit<DecisionInput, 'storage'> {
  const max = FILE_MAX;
  const used = Math.round(max * usedRatio);
  const allocated = Math.min(used + GiB, max);
  return {
    usage: {
      tablespace: 'USERS',
      usedBytes: used,
      reportedSizeBytes: max,
      allocatedBytes: allocated,
      freeBytes: allocated - used,
    },
    tablespace: {
      bigfile: false,
      blockSize: 8192,
      datafiles: [
        {
          fileName: '/d/users01.dbf',
          bytes: allocated,
          autoextensible: true,
          maxBytes: max,
          incrementBytes: 0,
        },
      ],
    },
    alertRatio: 0.85,
    autoAddDatafiles: true,
    dbFilesLimit: 200,
    datafilesInUse: 4,
    ...over,
  };
}

describe('guard decision', () => {
  it('fires at 0.86 and adds one datafile; stays quiet at 0.84', () => {
    const high = decide(input(0.86));
    assert.equal(high.alert, true);
    assert.equal(high.addDatafiles, 1);
    assert.ok(high.usedRatioAfter < 0.85);
    const low = decide(input(0.84));
    assert.equal(low.alert, false);
    assert.equal(low.addDatafiles, 0);
    assert.equal(low.blockedBy, undefined);
  });

  it('adds exactly what is needed to get back under the threshold', () => {
    // used = 0.85 * (max + 2 files) is not under 0.85 with two files: three are needed.
    const used3 = Math.ceil(0.85 * 3 * FILE_MAX);
    const base = input(0.9);
    const three = decide({ ...base, usage: { ...base.usage, usedBytes: used3 } });
    assert.equal(three.addDatafiles, 3);
    const two = decide({ ...base, usage: { ...base.usage, usedBytes: used3 - 2 } });
    assert.equal(two.addDatafiles, 2);
    assert.ok(two.usedRatioAfter < 0.85 && two.usedRatioAfter > 0.84);
  });

  it('respects the 1022 files per tablespace and DB_FILES limits', () => {
    const files = Array.from({ length: 1021 }, (_, i) => ({
      fileName: `/d/users${i + 1}.dbf`,
      bytes: FILE_MAX,
      autoextensible: true,
      maxBytes: FILE_MAX,
      incrementBytes: 0,
    }));
    const max = 1021 * FILE_MAX;
    const d = decide(
      input(0, {
        usage: {
          tablespace: 'USERS',
          usedBytes: Math.round(max * 0.99),
          reportedSizeBytes: max,
          allocatedBytes: max,
          freeBytes: 0,
        },
        tablespace: { bigfile: false, blockSize: 8192, datafiles: files },
        dbFilesLimit: 5000,
      }),
    );
    assert.equal(d.addDatafiles, 1);
    assert.equal(d.blockedBy, 'maxFilesPerTablespace');

    const db = decide(input(0.99, { dbFilesLimit: 4, datafilesInUse: 4 }));
    assert.equal(db.addDatafiles, 0);
    assert.equal(db.blockedBy, 'dbFiles');
  });

  it('never plans a datafile for a bigfile tablespace: raises its MAXSIZE instead', () => {
    const base = input(0.9);
    const d = decide({ ...base, tablespace: { ...base.tablespace, bigfile: true } });
    assert.equal(d.addDatafiles, 0);
    assert.ok(d.newBigfileMaxBytes! > base.usage.reportedSizeBytes);
    assert.ok(base.usage.usedBytes / d.newBigfileMaxBytes! < 0.85);
  });

  it('reports but does not act when adding datafiles is disabled', () => {
    const d = decide(input(0.9, { autoAddDatafiles: false }));
    assert.equal(d.alert, true);
    assert.equal(d.addDatafiles, 0);
    assert.equal(d.blockedBy, 'disabled');
  });

  it('says when the volume is the limit and by how many bytes it must grow', () => {
    const base = input(0.86);
    const used = base.usage.usedBytes;
    const d = decide({ ...base, volume: { availableBytes: 2 * GiB, capacityBytes: 100 * GiB } });
    assert.equal(d.volumeLimited, true);
    const reachable = base.usage.allocatedBytes + 2 * GiB;
    const MiB = 1024 * 1024;
    assert.equal(d.volumeBytesNeeded, Math.ceil((Math.floor(used / 0.85 - reachable) + 1) / MiB) * MiB);
    assert.ok(used / (reachable + d.volumeBytesNeeded) < 0.85);
    const roomy = decide({ ...base, volume: { availableBytes: 500 * GiB, capacityBytes: 600 * GiB } });
    assert.equal(roomy.volumeLimited, false);
    assert.equal(roomy.volumeBytesNeeded, 0);
  });
});

describe('TablespaceGuard.check on the dictionary double', () => {
  function setup(opts: { autoAdd?: boolean; bigfile?: boolean } = {}) {
    const db = new DictionaryDouble();
    if (opts.bigfile) db.tablespaces.get('USERS')!.bigfile = true;
    const metrics = createMetrics(new Registry());
    const guard = new TablespaceGuard({
      restore: { namespace: 'library', name: 'q3' },
      targets: [{ institutionId: '3978', tablespace: 'USERS' }],
      metrics,
      openDictionary: async () => db,
      ...(opts.autoAdd === false ? { autoAddDatafiles: false } : {}),
      now: () => new Date('2025-01-01T00:00:00Z'),
    });
    const labels = { namespace: 'library', restore: 'q3', institution: '3978', tablespace: 'USERS' };
    const gauge = async (name: string) =>
      (await metrics.registry.getSingleMetric(name)!.get()).values.find(
        (v) => v.labels.tablespace === 'USERS',
      )?.value;
    return { db, metrics, guard, labels, gauge };
  }

  it('at 0.86 adds one datafile named like the existing one, exports the gauges, then rests', async () => {
    const { db, guard, gauge } = setup();
    db.fill('USERS', Math.round(0.86 * FILE_MAX) - db.tablespaces.get('USERS')!.usedBytes);
    const report = await guard.check();
    const e = report.tablespaces[0]!;
    assert.equal(report.alert, true);
    assert.equal(e.alert, true);
    assert.equal(e.stillAbove, false);
    assert.deepEqual(db.actions, ['addDatafile USERS /opt/oracle/oradata/ORCLCDB/ORCLPDB1/users02.dbf']);
    assert.match(
      report.actions[0]!.action,
      /ADD DATAFILE '.*users02\.dbf' SIZE 1G AUTOEXTEND ON NEXT 256M MAXSIZE UNLIMITED/,
    );
    assert.ok(Math.abs(e.usedRatio - 0.43) < 0.001);
    assert.equal(await gauge('alma_restore_tablespace_used_ratio'), e.usedRatio);
    assert.equal(await gauge('alma_restore_tablespace_max_bytes'), 2 * FILE_MAX);
    assert.equal(await gauge('alma_restore_datafiles_added_total'), 1);
    assert.ok(db.closed);

    const again = await guard.check();
    assert.equal(again.alert, false);
    assert.deepEqual(again.actions, []);
    assert.equal(db.actions.length, 1);
  });

  it('at 0.84 does nothing but export the ratio', async () => {
    const { db, guard, gauge } = setup();
    db.fill('USERS', Math.round(0.84 * FILE_MAX) - db.tablespaces.get('USERS')!.usedBytes);
    const report = await guard.check();
    assert.equal(report.alert, false);
    assert.deepEqual(db.actions, []);
    assert.ok(Math.abs((await gauge('alma_restore_tablespace_used_ratio'))! - 0.84) < 0.0001);
    assert.match(report.message, /under 85\.0%/);
  });

  it('on a bigfile tablespace raises MAXSIZE and never hits ORA-32771', async () => {
    const { db, guard } = setup({ bigfile: true });
    db.fill('USERS', Math.round(0.9 * FILE_MAX));
    const report = await guard.check();
    assert.equal(report.tablespaces[0]!.error, undefined);
    assert.ok(db.actions[0]!.startsWith('setTablespaceMaxSize USERS'));
    assert.equal(report.tablespaces[0]!.stillAbove, false);
  });

  it('with adding disabled, alerts and says so', async () => {
    const { db, guard } = setup({ autoAdd: false });
    db.fill('USERS', Math.round(0.9 * FILE_MAX));
    const report = await guard.check();
    assert.equal(report.alert, true);
    assert.equal(report.tablespaces[0]!.stillAbove, true);
    assert.deepEqual(db.actions, []);
    assert.match(report.message, /USERS \(institution 3978\) is 90\.\d% full.*adding datafiles is disabled/);
  });

  it('reports a missing tablespace as an error entry, not a crash; forget() drops the series', async () => {
    const db = new DictionaryDouble();
    const metrics = createMetrics(new Registry());
    const guard = new TablespaceGuard({
      restore: { namespace: 'library', name: 'q3' },
      targets: [
        { institutionId: '3978', tablespace: 'USERS' },
        { institutionId: '3979', tablespace: 'USERS2' },
      ],
      metrics,
      openDictionary: async () => db,
    });
    const report = await guard.check();
    assert.equal(report.tablespaces[1]!.error, 'tablespace USERS2 does not exist');
    assert.equal((await metrics.tablespaceUsedRatio.get()).values.length, 1);
    guard.forget();
    assert.equal((await metrics.tablespaceUsedRatio.get()).values.length, 0);
  });

  it('says the volume is the limit with the bytes to grow', async () => {
    const db = new DictionaryDouble();
    db.fill('USERS', Math.round(0.86 * FILE_MAX));
    const guard = new TablespaceGuard({
      restore: { namespace: 'library', name: 'q3' },
      targets: [{ institutionId: '3978', tablespace: 'USERS' }],
      metrics: createMetrics(new Registry()),
      openDictionary: async () => db,
      volume: async () => ({ availableBytes: GiB, capacityBytes: 40 * GiB }),
    });
    const report = await guard.check();
    assert.equal(report.volume.limited, true);
    assert.ok(report.volume.bytesNeeded > 0);
    assert.match(report.message, /the volume is the limit/);
  });
});
