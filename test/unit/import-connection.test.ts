import { once } from 'node:events';
import net from 'node:net';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { UserFacingError } from '../../src/errors.js';
import {
  openConnection,
  oracleErrorCode,
  readDatabaseCredentials,
  scrub,
} from '../../src/oracle/connection.js';
import type { StepConfig } from '../../src/contract/step-config.js';

test('credentials come from the Secret directory, trailing newline trimmed', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'creds-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(path.join(dir, 'username'), 'ALMA_ADMIN\n');
  await writeFile(path.join(dir, 'password'), 's3cr3t-pw\n');
  assert.deepEqual(await readDatabaseCredentials(dir), { username: 'ALMA_ADMIN', password: 's3cr3t-pw' });
  await rm(path.join(dir, 'password'));
  await assert.rejects(readDatabaseCredentials(dir), (e: unknown) => {
    assert.ok(e instanceof UserFacingError);
    assert.equal(e.reason, 'DatabaseCredentialsMissing');
    assert.match(
      e.message,
      /cannot read the database password from .*password: ENOENT; mount the admin credentials Secret/,
    );
    return true;
  });
});

test('a refused connection (real oracledb thin driver, loopback) fails with a clear error and no password', async () => {
  const config = {
    database: { connectString: '127.0.0.1:1/ALMAPDB', credentialsDir: '/nonexistent' },
  } as StepConfig;
  await assert.rejects(
    openConnection(config, { credentials: { username: 'ALMA_ADMIN', password: 'pw-must-not-leak' } }),
    (e: unknown) => {
      assert.ok(e instanceof UserFacingError);
      assert.equal(e.reason, 'DatabaseUnreachable');
      assert.match(e.message, /^cannot connect to the database as ALMA_ADMIN: /);
      assert.doesNotMatch(e.message, /pw-must-not-leak/);
      return true;
    },
  );
});

test('a server that accepts but never answers is given up after connectTimeoutSeconds (real thin driver)', async (t) => {
  // The driver's default would wait 20 s; the guard asks for less so that it gives its worker back.
  const silent = net.createServer((socket) => socket.resume()).listen(0, '127.0.0.1');
  await once(silent, 'listening');
  t.after(() => silent.close());
  const sockets = new Set<net.Socket>();
  silent.on('connection', (s) => sockets.add(s));
  t.after(() => sockets.forEach((s) => s.destroy()));
  const port = (silent.address() as net.AddressInfo).port;
  const config = {
    database: { connectString: `127.0.0.1:${port}/ALMAPDB`, credentialsDir: '/nonexistent' },
  } as StepConfig;
  await assert.rejects(
    openConnection(config, {
      credentials: { username: 'ALMA_ADMIN', password: 'pw' },
      connectTimeoutSeconds: 1,
    }),
    (e: unknown) => {
      assert.ok(e instanceof UserFacingError);
      assert.equal(e.reason, 'DatabaseUnreachable');
      assert.match(e.message, /timed out.*"connectTimeout" of 1 second/);
      return true;
    },
  );
});

test('a listener that does not know the service (thin mode: NJS-518) gets the PDB-service hint', async (t) => {
  // A loopback stand-in for the TNS listener: it answers the connect packet with a REFUSE packet
  // carrying ERR=12514, as a listener does for an unknown service (node-oracledb thin then
  // raises NJS-518 where thick mode says ORA-12514).
  const data = Buffer.from(
    '(DESCRIPTION=(TMP=)(VSNNUM=0)(ERR=12514)(ERROR_STACK=(ERROR=(CODE=12514)(EMFI=4))))',
    'ascii',
  );
  const refuse = Buffer.alloc(12 + data.length);
  refuse.writeUInt16BE(refuse.length, 0); // packet length
  refuse.writeUInt8(4, 4); // type NSPTRF (refuse)
  refuse.writeUInt16BE(data.length, 10);
  data.copy(refuse, 12);
  const listener = net.createServer((socket) => socket.once('data', () => socket.end(refuse)));
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  t.after(() => listener.close());
  const port = (listener.address() as net.AddressInfo).port;
  const config = {
    database: { connectString: `127.0.0.1:${port}/ORCLCDB`, credentialsDir: '/nonexistent' },
  } as StepConfig;
  await assert.rejects(
    openConnection(config, { credentials: { username: 'ALMA_ADMIN', password: 'pw' } }),
    (e: unknown) => {
      assert.ok(e instanceof UserFacingError);
      assert.match(e.message, /NJS-518: .*Service "ORCLCDB" is not registered/);
      assert.match(e.message, /connect to the PDB service, e\.g\. host:1521\/ORCLPDB1, not the CDB/);
      return true;
    },
  );
});

test('oracleErrorCode and scrub', () => {
  assert.equal(oracleErrorCode(new Error('ORA-39002: invalid operation')), 'ORA-39002');
  assert.equal(oracleErrorCode(new Error('NJS-503: connection refused')), 'NJS-503');
  assert.equal(oracleErrorCode('nothing'), undefined);
  assert.equal(scrub('a pw b pw', 'pw'), 'a ******** b ********');
});
