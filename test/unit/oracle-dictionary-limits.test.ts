// The dictionary behaviours a review against Oracle 19c found misread (issue 12, defects 2, 6, 7),
// on the dictionary double that now models them: TABLESPACE_SIZE bounded by the disk and by
// MAX_PDB_STORAGE, V$DATAFILE scoped to the PDB while DB_FILES counts the CDB, and CREATE
// TABLESPACE on a database whose default type is bigfile. Sources: docs/oracle-behaviours.md.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { planVolumeGrowth } from '../../src/controller/guard-hook.js';
import { decide } from '../../src/controller/tablespace-guard-decide.js';
import { TablespaceGuard } from '../../src/controller/tablespace-guard.js';
import { createLogger } from '../../src/logging.js';
import {
  SMALLFILE_UNLIMITED_BLOCKS,
  dbFilesInUse,
  newSmallfile,
  storageLimit,
} from '../../src/oracle/dictionary-sizing.js';
import { createTablespaceSql, SqlValueError } from '../../src/oracle/sql/dictionary.js';
import { createMetrics } from '../../src/runtime/metrics.js';
import { runPrepare } from '../../src/steps/prepare/run.js';
import type { StepConfig } from '../../src/contract/step-config.js';
import {
  DOUBLE_GIB as GiB,
  DictionaryDouble,
  OracleDoubleError,
  rootView,
  testStepConfig,
} from '../support/dictionary-double.js';

const FILE_MAX = SMALLFILE_UNLIMITED_BLOCKS * 8192; // one smallfile's maximum at 8 KiB blocks
const PDB_DIR = '/opt/oracle/oradata/ORCLCDB/ORCLPDB1';

function guardOn(db: DictionaryDouble) {
  return new TablespaceGuard({
    restore: { namespace: 'library', name: 'q3' },
    targets: [{ institutionId: '3978', tablespace: 'USERS' }],
    metrics: createMetrics(new Registry()),
    openDictionary: async () => db,
  });
}

async function prepare(db: DictionaryDouble, config: StepConfig, opts: { root?: boolean } = {}) {
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  return runPrepare(config, {
    openPdb: async () => db,
    ...(opts.root ? { openRoot: async () => rootView(db) } : {}),
    readSecret: async () => 'S3cret-Schema-pw!',
    logger: createLogger({ test: true }, sink),
  });
}

describe('the double: TABLESPACE_SIZE as 19c reports it', () => {
  // The three examples of the Database Reference 19c, DBA_TABLESPACE_USAGE_METRICS.
  const example = async (currentGiB: number, maximaGiB: number, freeGiB: number, pdb?: [number, number]) => {
    const db = new DictionaryDouble({
      diskFreeBytes: freeGiB * GiB,
      ...(pdb ? { maxPdbStorageBytes: pdb[1] * GiB } : {}),
    });
    const f = db.tablespaces.get('USERS')!.files[0]!;
    f.bytes = currentGiB * GiB;
    f.maxBytes = maximaGiB * GiB;
    if (pdb) {
      // The PDB's other files make up the rest of its current size.
      db.tablespaces.get('SYSTEM')!.files[0]!.bytes = (pdb[0] - currentGiB) * GiB - 440 * 1024 ** 2;
    }
    return (await db.tablespaceUsage('USERS'))!.reportedSizeBytes / GiB;
  };

  it('is current size + free storage when the disk holds less than the maxima (5 GB, 32 GB, 20 GB free -> ~25 GB)', async () => {
    assert.equal(await example(5, 32, 20), 25);
  });

  it('is the maxima when the disk holds more (10 GB, 20 GB, 25 GB free -> ~20 GB)', async () => {
    assert.equal(await example(10, 20, 25), 20);
  });

  it('is bounded by MAX_PDB_STORAGE (15 GB, 32 GB, 90 GB free, PDB 40 GB of 50 GB -> ~25 GB)', async () => {
    assert.equal(await example(15, 32, 90, [40, 50]), 25);
  });
});

describe('defect 2: the disk smaller than the files maxima', () => {
  it('the decision adds no datafile and asks for the volume to grow by what brings the fill under the ratio', () => {
    const used = 20 * GiB;
    const usage = {
      tablespace: 'USERS',
      usedBytes: used,
      reportedSizeBytes: 23 * GiB,
      allocatedBytes: used,
      freeBytes: 0,
    };
    const tablespace = {
      bigfile: false,
      blockSize: 8192,
      datafiles: [
        {
          fileName: '/d/users01.dbf',
          bytes: used,
          autoextensible: true,
          maxBytes: FILE_MAX,
          incrementBytes: 0,
        },
      ],
    };
    const storage = storageLimit(usage, tablespace);
    assert.equal(storage.limitedBy, 'disk');
    assert.equal(storage.capacityBytes, FILE_MAX);
    assert.equal(storage.reachableBytes, 23 * GiB);
    const d = decide({
      usage,
      tablespace,
      storage,
      alertRatio: 0.85,
      autoAddDatafiles: true,
      dbFilesLimit: 200,
      datafilesInUse: 12,
    });
    assert.equal(d.alert, true);
    assert.equal(d.addDatafiles, 0);
    assert.equal(d.volumeLimited, true);
    const MiB = 1024 * 1024;
    assert.equal(d.volumeBytesNeeded, Math.ceil((Math.floor(used / 0.85 - 23 * GiB) + 1) / MiB) * MiB);
    assert.ok(used / (23 * GiB + d.volumeBytesNeeded) < 0.85);
  });

  it('the guard adds no datafile pass after pass (it used to add one each time), and rests once the volume grew', async () => {
    const db = new DictionaryDouble({ diskFreeBytes: 23 * GiB });
    db.fill('USERS', 20 * GiB - db.tablespaces.get('USERS')!.usedBytes); // 3 GiB left on the disk
    const guard = guardOn(db);
    for (let pass = 1; pass <= 3; pass++) {
      const report = await guard.check();
      const e = report.tablespaces[0]!;
      assert.equal(e.alert, true, `pass ${pass}`);
      assert.deepEqual(
        db.actions,
        [],
        `pass ${pass}: no datafile, a datafile cannot raise what the disk holds`,
      );
      assert.equal(e.limitedBy, 'disk');
      assert.equal(e.capacityBytes, FILE_MAX);
      assert.equal(report.volume.limited, true);
      assert.ok(report.volume.bytesNeeded > 0);
      assert.match(report.message, /the volume is the limit .*no datafile added/);
    }
    const { bytesNeeded } = (await guard.check()).volume;
    db.diskFreeBytes += bytesNeeded; // what the PVC expansion gives the filesystem
    const after = await guard.check();
    assert.equal(after.alert, false, after.message);
    assert.equal(after.volume.limited, false);
    assert.deepEqual(db.actions, []);
  });

  it('adds a datafile as before when the disk holds the maxima and the files are the limit', async () => {
    const db = new DictionaryDouble({ diskFreeBytes: 200 * GiB });
    db.fill('USERS', Math.round(0.9 * FILE_MAX));
    const report = await guardOn(db).check();
    assert.deepEqual(db.actions, [`addDatafile USERS ${PDB_DIR}/users02.dbf`]);
    assert.equal(report.volume.limited, false);
    assert.equal(report.tablespaces[0]!.stillAbove, false);
  });

  it('MAX_PDB_STORAGE as the limit: no datafile, no volume growth, says to raise it', async () => {
    const db = new DictionaryDouble({ maxPdbStorageBytes: 25 * GiB });
    db.fill('USERS', 21 * GiB); // the PDB's other files hold 710 MiB: about 3.3 GiB of room left
    const report = await guardOn(db).check();
    const e = report.tablespaces[0]!;
    assert.equal(e.alert, true);
    assert.equal(e.limitedBy, 'maxPdbStorage');
    assert.equal(e.blockedBy, 'maxPdbStorage');
    assert.deepEqual(db.actions, []);
    assert.equal(report.volume.limited, false);
    assert.match(report.message, /MAX_PDB_STORAGE is the limit.*ALTER PLUGGABLE DATABASE STORAGE/);
  });
});

describe('growing the volume when the disk is the limit', () => {
  const claim = (requested: string, capacity: string) => ({
    metadata: { name: 'q3-oradata' },
    spec: { storageClassName: 'fast', resources: { requests: { storage: requested } } },
    status: { capacity: { storage: capacity } },
  });

  it('asks for the current request plus what is needed, rounded up to GiB', () => {
    const plan = planVolumeGrowth(claim('100Gi', '100Gi'), { allowVolumeExpansion: true }, 600 * 1024 ** 2);
    assert.equal(plan.target, '101Gi');
  });

  it('asks for nothing more while an expansion is under way (the disk still looks full until the filesystem grows)', () => {
    const plan = planVolumeGrowth(claim('101Gi', '100Gi'), { allowVolumeExpansion: true }, 600 * 1024 ** 2);
    assert.equal(plan.target, undefined);
    assert.match(plan.message, /expansion to 101Gi is still under way/);
  });

  it('says to grow it by hand when the StorageClass does not allow expansion', () => {
    const plan = planVolumeGrowth(claim('100Gi', '100Gi'), { allowVolumeExpansion: false }, GiB);
    assert.equal(plan.target, undefined);
    assert.match(
      plan.message,
      /StorageClass fast does not allow expansion: grow it by 1073741824 bytes by hand/,
    );
  });
});

describe('defect 6: DB_FILES counts the whole CDB, V$DATAFILE in a PDB only the PDB', () => {
  it('the double: from the PDB V$DATAFILE shows 4 files numbered after the root and seed; from the root, all 11', async () => {
    const db = new DictionaryDouble();
    const pdb = await db.databaseInfo();
    assert.equal(pdb.datafileCount, 4);
    assert.equal(pdb.highestFileNumber, 11);
    const root = await rootView(db).databaseInfo();
    assert.equal(root.datafileCount, 11);
    assert.deepEqual(dbFilesInUse(pdb), { inUse: 11, exact: false });
    assert.deepEqual(dbFilesInUse(pdb, root), { inUse: 11, exact: true });
  });

  it('the double refuses a file past DB_FILES counted over the CDB (ORA-00059), though the PDB sees 4', async () => {
    const db = new DictionaryDouble({ dbFiles: 11 });
    await assert.rejects(
      db.addDatafile('USERS', newSmallfile(`${PDB_DIR}/users02.dbf`)),
      (err: OracleDoubleError) => err.errorNum === 59,
    );
  });

  it('prepare refuses before changing anything (it used to add a file, then fail with ORA-00059)', async () => {
    // 84 GiB needs two more 32 GiB files: 11 + 2 > 12, while the PDB alone has 4 + 2.
    for (const root of [false, true]) {
      const db = new DictionaryDouble({ dbFiles: 12 });
      const out = await prepare(db, testStepConfig('/tmp/x'), { root });
      assert.equal(out.result.outcome, 'Failed');
      assert.ok(
        (out.result.summary as { refusals: string[] }).refusals.includes('DbFilesLimit'),
        out.result.message,
      );
      assert.match(
        out.result.message,
        root ? /the database has 11 of DB_FILES=12/ : /this PDB sees at least 11 in use/,
      );
      assert.deepEqual(db.actions, []);
    }
  });

  it('the guard reports DB_FILES as the blocker instead of trying an add that fails', async () => {
    const db = new DictionaryDouble({ dbFiles: 11 });
    db.fill('USERS', Math.round(0.9 * FILE_MAX));
    const report = await guardOn(db).check();
    const e = report.tablespaces[0]!;
    assert.equal(e.blockedBy, 'dbFiles');
    assert.equal(e.error, undefined);
    assert.deepEqual(db.actions, []);
    assert.match(report.message, /DB_FILES is reached/);
  });
});

describe('defect 7: CREATE TABLESPACE says SMALLFILE', () => {
  const files = [1, 2, 3].map((n) => newSmallfile(`${PDB_DIR}/alma0${n}.dbf`));

  it('the double: on a bigfile default, a multi-file create that names no type is ORA-32774', async () => {
    const db = new DictionaryDouble({ defaultTablespaceType: 'BIGFILE' });
    await assert.rejects(
      db.createTablespace('ALMA', files),
      (err: OracleDoubleError) => err.errorNum === 32774,
    );
    await db.createTablespace('ALMA', files, 'SMALLFILE');
    assert.equal(db.tablespaces.get('ALMA')!.bigfile, false);
  });

  it('the statement names the type; a bigfile with several files is refused before Oracle sees it', () => {
    assert.match(
      createTablespaceSql('ALMA', files, 'SMALLFILE'),
      /^CREATE SMALLFILE TABLESPACE "ALMA" DATAFILE '/,
    );
    assert.match(
      createTablespaceSql('ALMA', files.slice(0, 1), 'BIGFILE'),
      /^CREATE BIGFILE TABLESPACE "ALMA" DATAFILE '/,
    );
    assert.throws(() => createTablespaceSql('ALMA', files, 'BIGFILE'), SqlValueError);
  });

  it('prepare creates a three-file smallfile tablespace on a database whose default is bigfile', async () => {
    const db = new DictionaryDouble({ defaultTablespaceType: 'BIGFILE' });
    const config = testStepConfig('/tmp/x', {
      institutions: [
        {
          institutionId: '3978',
          schema: 'EXL_ADMIN',
          tablespace: 'ALMA',
          bibRecords: 1_000_000,
          tablespaceBytes: 84 * GiB,
        },
      ],
    });
    const out = await prepare(db, config, { root: true });
    assert.equal(out.result.outcome, 'Succeeded', out.result.message);
    const ts = db.tablespaces.get('ALMA')!;
    assert.equal(ts.bigfile, false);
    assert.equal(ts.files.length, 3);
    assert.ok(out.report.actionsTaken.some((a) => a.startsWith('CREATE SMALLFILE TABLESPACE "ALMA"')));
  });
});
