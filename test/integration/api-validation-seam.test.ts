// The seam between offline validation (`alma-restore plan`) and the real kube-apiserver, as one
// table: every case goes to both, and both must accept or refuse it with the same words (the
// whole Status.message and every cause). Issue 16 items 7-9: Oracle's names, connect strings,
// staging paths, specs the server took but the children then failed on (requests above limits,
// sizes of 0, guard intervals of 0s or beyond Node's timer range, ratios written as integers),
// generateName, labels; and further hostile manifests. Accepted cases also compare the stored,
// defaulted spec with the offline one.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import YAML from 'yaml';
import { CRD_FILE } from '../../src/api/crd.js';
import { GENERATED_SUFFIX } from '../../src/api/metadata-validation.js';
import { renderPlan } from '../../src/plan/command.js';
import { GROUP, PLURAL, VERSION } from '../../src/api/types.js';
import { validateAlmaRestore } from '../../src/api/validation.js';
import { sharedControlPlane, type ControlPlane } from '../support/control-plane.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are mutated as plain JSON here. */
type Manifest = any;

const managed = (): Manifest => {
  const doc = YAML.parse(
    readFileSync(path.join(ROOT, 'manifests/examples/almarestore-managed.yaml'), 'utf8'),
  );
  delete doc.metadata.namespace;
  return doc;
};
const existing = (o: Manifest, fields: Record<string, unknown> = {}) => {
  delete o.spec.database.managed;
  o.spec.database.existing = {
    connectString: 'db.example.edu:1521/ALMAPDB',
    adminCredentialsSecret: 'db-admin',
    stagingClaimName: 'alma-nfs',
    stagingPath: '/exlibris/import',
    ...fields,
  };
};
const schema = (name: string) => (o: Manifest) => (o.spec.institutions[0].schema = name);
const tablespace = (name: string) => (o: Manifest) => (o.spec.institutions[0].tablespace = name);
const connect = (connectString: string) => (o: Manifest) => existing(o, { connectString });
const staging = (stagingPath: string) => (o: Manifest) => existing(o, { stagingPath });
const memory = (resources: unknown) => (o: Manifest) => (o.spec.database.managed.resources = resources);

interface Case {
  name: string;
  mutate: (o: Manifest) => void;
  /** 'accept', or what the refusal must say (besides agreeing word for word). */
  expect: 'accept' | RegExp;
  /** Must appear in neither message (a password the user put in the spec by mistake). */
  secret?: string;
}

const CASES: Case[] = [
  // --- item 7: Oracle's own names ---------------------------------------------------------------
  ...['SYSBACKUP', 'SYSDG', 'SYSKM', 'OLAPSYS', 'DIP', 'REMOTE_SCHEDULER_AGENT', 'AUDSYS', 'PDBADMIN'].map(
    (n): Case => ({
      name: `schema ${n}`,
      mutate: schema(n),
      expect: new RegExp(
        `schema: Invalid value: "${n}": must not be an account or role that Oracle maintains`,
      ),
    }),
  ),
  { name: 'schema DBA (a role)', mutate: schema('DBA'), expect: /"DBA": must not be an account or role/ },
  { name: 'schema XS$NULL', mutate: schema('XS$NULL'), expect: /should match '\^\[A-Z\]\[A-Z0-9_\]\*\$'/ },
  ...['UNDOTBS2', 'UNDOTBS1', 'TEMP', 'TEMP2', 'SYSAUX', 'SYSTEM'].map((n): Case => ({
    name: `tablespace ${n}`,
    mutate: tablespace(n),
    expect: new RegExp(
      `tablespace: Invalid value: "${n}": must not be a system, undo or temporary tablespace`,
    ),
  })),
  { name: 'tablespace TEMPLATES (only looks like TEMP)', mutate: tablespace('TEMPLATES'), expect: 'accept' },
  // --- item 8: names and strings that would break generated files --------------------------------
  { name: 'schema with # (parfile comment)', mutate: schema('EXL#2'), expect: /"EXL#2": .*should match/ },
  { name: 'tablespace with $', mutate: tablespace('USERS$2'), expect: /"USERS\$2": .*should match/ },
  {
    name: 'connect string with a password',
    mutate: connect('scott/tiger@db.example.edu:1521/ALMAPDB'),
    expect: /connectString: Invalid value: must not hold a user name or password .*adminCredentialsSecret/,
    secret: 'tiger',
  },
  {
    name: 'connect string with a quote',
    mutate: connect("db:1521/ALMA'PDB"),
    expect: /no spaces, quotes, \$ or backticks/,
  },
  {
    name: 'connect string with $(...)',
    mutate: connect('db:1521/$(id)'),
    expect: /no spaces, quotes, \$ or backticks/,
  },
  { name: 'connect string with backticks', mutate: connect('db:1521/`id`'), expect: /no spaces, quotes/ },
  { name: 'connect string with a space', mutate: connect('db:1521/ALMA PDB'), expect: /no spaces/ },
  {
    name: 'connect string with a newline',
    mutate: connect('db:1521/ALMAPDB\nUSERID=x'),
    expect: /no spaces/,
  },
  { name: 'empty connect string', mutate: connect(''), expect: /should be at least 1 chars long/ },
  {
    name: 'connect string //host:port/service?option',
    mutate: connect('//db.example.edu:1521/ALMAPDB?connect_timeout=10'),
    expect: 'accept',
  },
  {
    name: 'connect descriptor',
    mutate: connect(
      '(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=db)(PORT=1521))(CONNECT_DATA=(SERVICE_NAME=ALMAPDB)))',
    ),
    expect: 'accept',
  },
  {
    name: 'stagingPath /',
    mutate: staging('/'),
    expect: /stagingPath: Invalid value: "\/": must be an absolute directory path/,
  },
  {
    name: 'stagingPath with a quote',
    mutate: staging("/exlibris/it's"),
    expect: /must be an absolute directory path/,
  },
  { name: 'stagingPath with ..', mutate: staging('/exlibris/../etc'), expect: /no '\.' or '\.\.' component/ },
  {
    name: 'stagingPath relative',
    mutate: staging('exlibris/import'),
    expect: /must be an absolute directory path/,
  },
  {
    name: 'stagingPath with a trailing slash',
    mutate: staging('/exlibris/import/'),
    expect: /no trailing slash/,
  },
  { name: 'stagingPath with //', mutate: staging('/exlibris//import'), expect: /between single slashes/ },
  {
    name: 'stagingPath in /etc',
    mutate: staging('/etc/oracle'),
    expect: /must not be in an operating system directory/,
  },
  {
    name: 'stagingPath with a newline',
    mutate: staging('/exlibris/import\n/x'),
    expect: /must be an absolute directory path/,
  },
  {
    name: 'stagingPath /u01/app/oracle/staging',
    mutate: staging('/u01/app/oracle/staging'),
    expect: 'accept',
  },
  // --- item 9: accepted by the server before, failed in the children ------------------------------
  {
    name: 'memory request above the limit',
    mutate: memory({ requests: { memory: '16Gi' }, limits: { memory: '8Gi' } }),
    expect: /requests must not exceed limits/,
  },
  {
    name: 'cpu request above the limit',
    mutate: memory({ requests: { cpu: '4' }, limits: { cpu: '2', memory: '8Gi' } }),
    expect: /requests must not exceed limits/,
  },
  {
    name: 'cpu request "0"',
    mutate: memory({ requests: { cpu: '0' }, limits: { memory: '8Gi' } }),
    expect: /must be greater than zero/,
  },
  {
    name: 'memory limit "0"',
    mutate: memory({ limits: { memory: '0' } }),
    expect: /must be greater than zero/,
  },
  {
    name: 'minimumSize "0"',
    mutate: (o) => (o.spec.storage = { minimumSize: '0' }),
    expect: /minimumSize: Invalid value: "0": must be from 1Gi to 1Pi/,
  },
  {
    name: 'stagingSize "0" with minimumSize "0"',
    mutate: (o) => (o.spec.storage = { minimumSize: '0', stagingSize: '0' }),
    expect: /stagingSize: Invalid value: "0": must be from 1Gi to 1Pi/,
  },
  {
    name: 'databaseSize "2Pi"',
    mutate: (o) => (o.spec.storage = { databaseSize: '2Pi' }),
    expect: /must be from 1Gi to 1Pi/,
  },
  {
    name: 'guard interval 0s',
    mutate: (o) => (o.spec.tablespaceGuard = { interval: '0s' }),
    expect: /interval: Invalid value: "0s": must be from 1s to 24h/,
  },
  {
    name: "guard interval 600h (beyond Node's 2^31-1 ms timers)",
    mutate: (o) => (o.spec.tablespaceGuard = { interval: '600h' }),
    expect: /must be from 1s to 24h/,
  },
  {
    name: 'guard interval 24h',
    mutate: (o) => (o.spec.tablespaceGuard = { interval: '24h' }),
    expect: 'accept',
  },
  {
    name: 'stableFor 0s',
    mutate: (o) => (o.spec.source.sftp.stableFor = '0s'),
    expect: /stableFor: Invalid value: "0s": must be from 1s to 24h/,
  },
  {
    name: 'alertRatio 0 (an integer)',
    mutate: (o) => (o.spec.tablespaceGuard = { alertRatio: 0 }),
    expect: /alertRatio: Invalid value: 0: must be from 0\.5 to 0\.99/,
  },
  {
    name: 'alertRatio 1 (an integer)',
    mutate: (o) => (o.spec.tablespaceGuard = { alertRatio: 1 }),
    expect: /must be from 0\.5 to 0\.99/,
  },
  {
    name: 'alertRatio 0.3',
    mutate: (o) => (o.spec.tablespaceGuard = { alertRatio: 0.3 }),
    expect: /must be from 0\.5 to 0\.99/,
  },
  { name: 'alertRatio 0.5', mutate: (o) => (o.spec.tablespaceGuard = { alertRatio: 0.5 }), expect: 'accept' },
  {
    name: 'stagingFraction 0 (an integer)',
    mutate: (o) => (o.spec.storage = { stagingFraction: 0 }),
    expect: /stagingFraction: Invalid value: 0: must be from 0\.1 to 0\.9/,
  },
  {
    name: 'stagingFraction 1 (an integer)',
    mutate: (o) => (o.spec.storage = { stagingFraction: 1 }),
    expect: /must be from 0\.1 to 0\.9/,
  },
  {
    name: 'stagingFraction 0.9',
    mutate: (o) => (o.spec.storage = { stagingFraction: 0.9 }),
    expect: 'accept',
  },
  {
    name: 'generateName only',
    mutate: (o) => {
      o.metadata.generateName = `${o.metadata.name}-`;
      delete o.metadata.name;
    },
    expect: 'accept',
  },
  {
    name: 'generateName too long for the child names',
    mutate: (o) => {
      o.metadata.generateName = `${o.metadata.name}-with-a-generated-name-far-too-long-`;
      delete o.metadata.name;
    },
    expect: /metadata\.name must be at most 40 characters/,
  },
  {
    name: 'generateName in capitals',
    mutate: (o) => {
      o.metadata.generateName = 'Alma-';
      delete o.metadata.name;
    },
    expect: /metadata\.generateName: Invalid value: "Alma-": a lowercase RFC 1123 subdomain/,
  },
  {
    name: 'invalid label key',
    mutate: (o) => (o.metadata.labels = { 'bad key': 'x' }),
    expect: /metadata\.labels: Invalid value: "bad key": name part must consist of/,
  },
  {
    name: 'invalid label value',
    mutate: (o) => (o.metadata.labels = { term: 'fall 2026' }),
    expect: /metadata\.labels: Invalid value: "fall 2026": a valid label must be/,
  },
  {
    name: 'label key with two slashes',
    mutate: (o) => (o.metadata.labels = { 'a/b/c': 'x' }),
    expect: /a valid label key must consist of/,
  },
  {
    name: 'invalid annotation key',
    mutate: (o) => (o.metadata.annotations = { '-note': 'x' }),
    expect: /metadata\.annotations: Invalid value: "-note"/,
  },
  {
    name: 'valid labels and annotations',
    mutate: (o) => (
      (o.metadata.labels = { 'app.kubernetes.io/part-of': 'library' }),
      (o.metadata.annotations = { 'Example.com/Note': 'a b c' })
    ),
    expect: 'accept',
  },
  // --- further hostile manifests ------------------------------------------------------------------
  {
    name: 'waitForDelivery that overflows a duration',
    mutate: (o) => (o.spec.source.sftp.waitForDelivery = '99999999999h'),
    expect: /waitForDelivery: Invalid value: "99999999999h": .*should match/,
  },
  {
    name: 'duration units out of order',
    mutate: (o) => (o.spec.source.sftp.waitForDelivery = '30m1h'),
    expect: /should match/,
  },
  {
    name: 'stagingSize "1e3" (a Kubernetes quantity the pattern refuses)',
    mutate: (o) => (o.spec.storage = { stagingSize: '1e3' }),
    expect: /stagingSize: Invalid value: "1e3": .*should match/,
  },
  {
    name: 'minimumSize "+5Gi" (signed)',
    mutate: (o) => (o.spec.storage = { minimumSize: '+5Gi' }),
    expect: /minimumSize: Invalid value: "\+5Gi": .*should match/,
  },
  {
    name: 'SFTP directory with a newline',
    mutate: (o) => (o.spec.source.sftp.directory = 'in\nbox'),
    expect: /must not contain control characters/,
  },
  {
    name: 'SFTP directory ../delivery',
    mutate: (o) => (o.spec.source.sftp.directory = '../delivery'),
    expect: 'accept',
  },
  {
    name: 'bib records 1.5',
    mutate: (o) => (o.spec.institutions[0].bibRecords = 1.5),
    expect: /must be of type integer: "number"/,
  },
  {
    name: 'parallelism "8" as text',
    mutate: (o) => (o.spec.import = { parallelism: '8' }),
    expect: /must be "auto"/,
  },
  {
    name: 'ignorableErrors listed twice',
    mutate: (o) => (o.spec.import = { ignorableErrors: ['ORA-31684', 'ORA-31684'] }),
    expect: /Duplicate value: "ORA-31684"/,
  },
];

interface Verdict {
  ok: boolean;
  message?: string;
  causes?: string[];
}

/**
 * A verdict compared word for word, except the order of a multi-error list: the API server's
 * order is not stable (seen in CI: the same object listed minimumSize before stagingSize in one
 * run, after it in another), so a list that holds exactly the causes is written in sorted order.
 */
const verdictOf = (message: string, causes: { field?: string; message?: string }[]): Verdict => {
  const sorted = causes.map((c) => `${c.field}: ${c.message}`).sort();
  return { ok: false, message: withSortedList(message, sorted), causes: sorted };
};

function withSortedList(message: string, sortedCauses: string[]): string {
  const list = /^(.* is invalid: )\[(.*)\]$/s.exec(message);
  if (!list || sortedCauses.length < 2) return message;
  const inSortedOrder = sortedCauses.join(', ');
  const samePermutation =
    list[2]!.length === inSortedOrder.length && sortedCauses.every((c) => list[2]!.includes(c));
  return samePermutation ? `${list[1]}[${inSortedOrder}]` : message;
}

describe('offline validation and the API server agree, word for word', () => {
  let cp: ControlPlane;
  let custom: k8s.CustomObjectsApi;
  let namespace: string;
  let counter = 0;
  const base = () => ({ group: GROUP, version: VERSION, namespace, plural: PLURAL });

  before(async () => {
    cp = await sharedControlPlane();
    await cp.applyCrds([CRD_FILE]);
    custom = cp.kubeConfig.makeApiClient(k8s.CustomObjectsApi);
    namespace = await cp.newNamespace('api-seam');
  });

  /** The server's verdict; a generated name's 5 random characters are shown as the offline stand-in. */
  async function server(o: Manifest): Promise<Verdict & { stored?: Manifest }> {
    try {
      const stored = (await custom.createNamespacedCustomObject({
        ...base(),
        body: o,
        fieldValidation: 'Strict',
      })) as Manifest;
      return { ok: true, stored };
    } catch (err) {
      const body = (err as { body?: unknown }).body;
      if (typeof body !== 'string') throw err;
      const status = JSON.parse(body) as {
        message: string;
        details?: { causes?: { field: string; message: string }[] };
      };
      const prefix = o.metadata.generateName as string | undefined;
      const unrandom = (s: string) =>
        prefix
          ? s.replace(
              new RegExp(`${prefix.slice(0, 58).replace(/[.-]/g, '\\$&')}[a-z0-9]{5}`, 'g'),
              prefix.slice(0, 58) + GENERATED_SUFFIX,
            )
          : s;
      return verdictOf(
        unrandom(status.message),
        (status.details?.causes ?? []).map((c) => ({ field: c.field, message: unrandom(c.message) })),
      );
    }
  }

  it(`covers at least 60 cases (${CASES.length})`, () => assert.ok(CASES.length >= 60));

  for (const c of CASES)
    it(`${c.expect === 'accept' ? 'accepts' : 'refuses'} ${c.name}`, async () => {
      const o = managed();
      o.metadata.name = `seam-${++counter}`;
      c.mutate(o);

      const offline = validateAlmaRestore(o);
      const planned = renderPlan(YAML.stringify(o), {
        source: 'case.yaml',
        runnerImage: 'runner:1',
        namespace,
      });
      const fromServer = await server(o);

      if (c.expect === 'accept') {
        assert.equal(fromServer.ok, true, `the API server refused it: ${fromServer.message}`);
        assert.ok(offline.ok, `offline validation refused it: ${offline.ok ? '' : offline.message}`);
        assert.ok(planned.ok, `alma-restore plan refused it: ${planned.ok ? '' : planned.errors.join('; ')}`);
        assert.deepEqual(fromServer.stored.spec, offline.defaulted.spec, 'defaulted spec differs');
        return;
      }
      assert.equal(fromServer.ok, false, 'the API server accepted it');
      assert.match(fromServer.message!, c.expect);
      assert.ok(!offline.ok, `offline validation accepted what the server refused: ${fromServer.message}`);
      assert.deepEqual(verdictOf(offline.message, offline.causes), {
        ok: false,
        message: fromServer.message,
        causes: fromServer.causes,
      });
      assert.ok(!planned.ok);
      assert.deepEqual(
        planned.errors.map((e) => withSortedList(e, fromServer.causes!)),
        [fromServer.message],
        'alma-restore plan prints the server message',
      );
      if (c.secret)
        assert.ok(
          !fromServer.message!.includes(c.secret),
          `the message repeats the password: ${fromServer.message}`,
        );
    });
});
/* eslint-enable @typescript-eslint/no-explicit-any */
