import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextDatafilePaths, redoMemberPath } from '../../src/oracle/dictionary-sizing.js';
import { editionFromBanner } from '../../src/oracle/dictionary-oracledb.js';
import * as q from '../../src/oracle/sql/dictionary.js';
import { DOUBLE_GIB as GiB, DictionaryDouble } from '../support/dictionary-double.js';

describe('DDL builders', () => {
  it('quote names, refuse injection, and mask the password in the display form', () => {
    assert.equal(q.grantRolesSql('EXL_ADMIN', ['CONNECT', 'DBA']), 'GRANT CONNECT, DBA TO "EXL_ADMIN"');
    assert.throws(() => q.ident('EXL"; DROP USER SYS --'), /not a valid Oracle name/);
    assert.throws(() => q.ident('exl_admin'), /not a valid Oracle name/);
    assert.throws(() => q.pathLiteral("/x' OR '1"), /not an acceptable server path/);
    assert.throws(() => q.passwordLiteral('a"b'), /without double quotes/);
    const u = q.createUserSql('EXL_ADMIN', 'Secret#1', 'USERS', 'TEMP');
    assert.equal(
      u.sql,
      'CREATE USER "EXL_ADMIN" IDENTIFIED BY "Secret#1" DEFAULT TABLESPACE "USERS" TEMPORARY TABLESPACE "TEMP" ACCOUNT UNLOCK',
    );
    assert.ok(!u.display.includes('Secret#1'));
    assert.equal(
      q.addDatafileSql('USERS', {
        path: '/d/users02.dbf',
        sizeBytes: GiB,
        nextBytes: 256 * 1024 * 1024,
        maxBytes: 'unlimited',
      }),
      'ALTER TABLESPACE "USERS" ADD DATAFILE \'/d/users02.dbf\' SIZE 1G AUTOEXTEND ON NEXT 256M MAXSIZE UNLIMITED',
    );
    assert.equal(
      q.addRedoLogGroupSql(4, ['/r/redo04.log'], 512 * 1024 * 1024),
      "ALTER DATABASE ADD LOGFILE GROUP 4 ('/r/redo04.log') SIZE 512M",
    );
    assert.equal(
      q.rebuildIndexSql('S', { index: 'I', partition: 'P1' }),
      'ALTER INDEX "S"."I" REBUILD PARTITION "P1"',
    );
  });

  it('reads the edition from the V$VERSION banner', () => {
    assert.equal(
      editionFromBanner('Oracle Database 19c Enterprise Edition Release 19.0.0.0.0 - Production'),
      'Enterprise',
    );
    assert.equal(
      editionFromBanner('Oracle Database 19c Standard Edition 2 Release 19.0.0.0.0 - Production'),
      'Standard',
    );
  });
});

describe('file naming from the existing files', () => {
  it('continues the numbering and padding, skipping names the database already has', () => {
    assert.deepEqual(
      nextDatafilePaths('USERS', ['/o/users01.dbf'], ['/o/users01.dbf', '/o/users02.dbf'], 2),
      ['/o/users03.dbf', '/o/users04.dbf'],
    );
    assert.deepEqual(nextDatafilePaths('USERS2', [], ['/o/system01.dbf'], 1), ['/o/users201.dbf']);
    assert.deepEqual(nextDatafilePaths('USERS', ['/e/users_ts_01.dbf'], [], 1), ['/e/users_ts_02.dbf']);
    assert.equal(redoMemberPath(['/o/redo01.log'], 4), '/o/redo04.log');
  });
});

describe('the dictionary double rejects what Oracle rejects', () => {
  const file = (p: string, sizeBytes = GiB) => ({
    path: p,
    sizeBytes,
    nextBytes: GiB,
    maxBytes: 'unlimited' as const,
  });
  const dir = '/opt/oracle/oradata/ORCLCDB/ORCLPDB1';
  it('ORA-32771 on a bigfile tablespace, ORA-00959 on an unknown one, ORA-01144 over 2^22-1 blocks', async () => {
    const db = new DictionaryDouble();
    db.tablespaces.get('USERS')!.bigfile = true;
    await assert.rejects(db.addDatafile('USERS', file(`${dir}/users02.dbf`)), /ORA-32771/);
    await assert.rejects(db.addDatafile('NOPE', file(`${dir}/nope01.dbf`)), /ORA-00959/);
    await assert.rejects(db.addDatafile('SYSAUX', file(`${dir}/sysaux02.dbf`, 2 ** 22 * 8192)), /ORA-01144/);
    await assert.rejects(db.addDatafile('SYSAUX', file(`/nowhere/sysaux02.dbf`)), /ORA-01119/);
    await assert.rejects(db.addDatafile('SYSAUX', file(`${dir}/users01.dbf`)), /ORA-01537/);
  });

  it('ORA-01686 at 1022 files, ORA-00059 at DB_FILES, ORA-65040 for redo in a PDB', async () => {
    const db = new DictionaryDouble({ dbFiles: 5000 });
    const users = db.tablespaces.get('USERS')!;
    for (let i = users.files.length; i < 1022; i += 1)
      users.files.push({ ...users.files[0]!, fileName: `${dir}/u${i}.dbf` });
    await assert.rejects(db.addDatafile('USERS', file(`${dir}/users9999.dbf`)), /ORA-01686/);
    const small = new DictionaryDouble({ dbFiles: 4 });
    await assert.rejects(small.addDatafile('USERS', file(`${dir}/users02.dbf`)), /ORA-00059/);
    await assert.rejects(
      small.addRedoLogGroup(4, ['/opt/oracle/oradata/ORCLCDB/redo04.log'], GiB),
      /ORA-65040/,
    );
  });

  it('objects that cannot compile stay INVALID; a partitioned index cannot be rebuilt whole (ORA-14086)', async () => {
    const db = new DictionaryDouble();
    await db.createUser({
      username: 'S',
      password: 'p',
      defaultTablespace: 'USERS',
      temporaryTablespace: 'TEMP',
    });
    db.schema('S').objects.push({ name: 'X', type: 'VIEW', status: 'INVALID', compiles: false });
    db.schema('S').indexes.push({ index: 'I', partition: 'P1', unusable: true, partitioned: true });
    await db.compileSchema('S');
    assert.deepEqual(await db.invalidObjects('S'), [{ name: 'X', type: 'VIEW' }]);
    await assert.rejects(db.rebuildIndex('S', { index: 'I' }), /ORA-14086/);
    await assert.rejects(db.grantRoles('S', ['EXL_SCHEMA']), /ORA-01919/);
    await assert.rejects(
      db.createUser({
        username: 'S',
        password: 'p',
        defaultTablespace: 'USERS',
        temporaryTablespace: 'TEMP',
      }),
      /ORA-01920/,
    );
  });
});
