// The AlmaRestore CRD against a REAL kube-apiserver: invalid manifests are rejected with messages
// a user understands, and the offline validator (`alma-restore plan`) gives the same verdict with
// the same causes, word for word; defaults match; immutability after the start holds.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import YAML from 'yaml';
import { CRD_FILE } from '../../src/api/crd.js';
import { GROUP, PLURAL, VERSION } from '../../src/api/types.js';
import { validateAlmaRestore } from '../../src/api/validation.js';
import { sharedControlPlane, type ControlPlane } from '../support/control-plane.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are mutated as plain JSON here. */
type Manifest = any;

const example = (file: string): Manifest => {
  const doc = YAML.parse(readFileSync(path.join(ROOT, 'manifests/examples', file), 'utf8'));
  delete doc.metadata.namespace;
  return doc;
};
const EXISTING = {
  connectString: 'db.example.edu:1521/ALMAPDB',
  adminCredentialsSecret: 'db-admin',
  stagingClaimName: 'alma-nfs',
  stagingPath: '/exlibris/import',
};

interface Verdict {
  ok: boolean;
  code?: number;
  message?: string;
  causes?: string[];
}

function serverVerdict(err: unknown): Verdict {
  const body = JSON.parse((err as { body: string }).body) as {
    code: number;
    message: string;
    details?: { causes?: { field: string; message: string }[] };
  };
  return {
    ok: false,
    code: body.code,
    message: body.message,
    causes: (body.details?.causes ?? []).map((c) => `${c.field}: ${c.message}`).sort(),
  };
}

function offlineVerdict(obj: Manifest, old?: Manifest): Verdict {
  const v = validateAlmaRestore(obj, old);
  if (v.ok) return { ok: true };
  return {
    ok: false,
    code: v.code,
    message: v.message,
    causes: v.causes.map((c) => `${c.field}: ${c.message}`).sort(),
  };
}

/** Invalid manifests: what is wrong, and what the message must say for a user to understand it. */
const INVALID: { name: string; mutate: (o: Manifest) => void; says: RegExp }[] = [
  {
    name: 'missing customerId',
    mutate: (o) => delete o.spec.customerId,
    says: /spec\.customerId: Required value/,
  },
  {
    name: 'customerId not digits',
    mutate: (o) => (o.spec.customerId = 'TCD'),
    says: /spec\.customerId: Invalid value: "TCD": spec\.customerId in body should match '\^\[0-9\]\{1,20\}\$'/,
  },
  {
    name: 'institutionId not digits',
    mutate: (o) => (o.spec.institutions[0].institutionId = 'main'),
    says: /spec\.institutions\[0\]\.institutionId: Invalid value: "main"/,
  },
  {
    name: 'zero bib records',
    mutate: (o) => (o.spec.institutions[0].bibRecords = 0),
    says: /bibRecords in body should be greater than or equal to 1/,
  },
  {
    name: 'no institutions',
    mutate: (o) => (o.spec.institutions = []),
    says: /spec\.institutions in body should have at least 1 items/,
  },
  {
    name: 'both database modes',
    mutate: (o) => (o.spec.database.existing = EXISTING),
    says: /spec\.database: Invalid value: set exactly one of database\.managed .* or database\.existing/,
  },
  {
    name: 'neither database mode',
    mutate: (o) => delete o.spec.database.managed,
    says: /spec\.database: Invalid value: set exactly one of database\.managed/,
  },
  {
    name: 'alert ratio above 0.99',
    mutate: (o) => (o.spec.tablespaceGuard = { alertRatio: 1.5 }),
    says: /spec\.tablespaceGuard\.alertRatio: Invalid value: 1\.5: must be from 0\.5 to 0\.99/,
  },
  {
    name: 'bad ORA code',
    mutate: (o) => (o.spec.import = { ignorableErrors: ['ORA-1917'] }),
    says: /spec\.import\.ignorableErrors\[0\]: Invalid value: "ORA-1917": .* should match '\^ORA-\[0-9\]\{5\}\$'/,
  },
  {
    name: 'duplicate institution',
    mutate: (o) => o.spec.institutions.push({ institutionId: '3978', bibRecords: 1000 }),
    says: /spec\.institutions: Invalid value: institutionId values must be unique/,
  },
  {
    name: "override takes another institution's default schema",
    mutate: (o) => o.spec.institutions.push({ institutionId: '3979', bibRecords: 1000, schema: 'EXL_ADMIN' }),
    says: /a schema override uses another institution's default name/,
  },
  {
    name: "override takes another institution's default tablespace",
    mutate: (o) =>
      o.spec.institutions.push(
        { institutionId: '3979', bibRecords: 1000 },
        { institutionId: '3980', bibRecords: 1000, tablespace: 'USERS2' },
      ),
    says: /a tablespace override uses another institution's default name/,
  },
  {
    name: 'Oracle-maintained schema',
    mutate: (o) => (o.spec.institutions[0].schema = 'SYS'),
    says: /spec\.institutions\[0\]\.schema: Invalid value: "SYS": must not be an account or role that Oracle maintains/,
  },
  {
    name: 'unknown engine',
    mutate: (o) => (o.spec.import = { engine: 'exp' }),
    says: /spec\.import\.engine: Unsupported value: "exp": supported values: "datapump-api", "impdp"/,
  },
  {
    name: 'parallelism out of range',
    mutate: (o) => (o.spec.import = { parallelism: 128 }),
    says: /spec\.import\.parallelism: Invalid value: 128: must be "auto" .* or a whole number from 1 to 64/,
  },
  {
    name: 'impdp engine on an existing database without an image',
    mutate: (o) => {
      delete o.spec.database.managed;
      o.spec.database.existing = EXISTING;
      o.spec.import = { engine: 'impdp' };
    },
    says: /spec\.import\.impdpImage: Required value: import\.engine impdp with database\.existing needs import\.impdpImage/,
  },
  {
    name: 'memory limit below 2Gi',
    mutate: (o) => (o.spec.database.managed.resources = { limits: { memory: '1Gi' } }),
    says: /spec\.database\.managed: .*limits\.memory must be at least 2Gi/,
  },
  {
    name: 'fetch deadline shorter than the wait for the delivery',
    mutate: (o) => (o.spec.steps = { fetchDeadlineSeconds: 3600 }),
    says: /spec\.steps\.fetchDeadlineSeconds: Invalid value: must be longer than source\.sftp\.waitForDelivery/,
  },
  {
    name: 'staging size below the minimum size',
    mutate: (o) => (o.spec.storage = { stagingSize: '10Gi', minimumSize: '20Gi' }),
    says: /spec\.storage\.stagingSize: Invalid value: must not be smaller than storage\.minimumSize/,
  },
  {
    name: 'SFTP port out of range',
    mutate: (o) => (o.spec.source.sftp.port = 70000),
    says: /spec\.source\.sftp\.port: Invalid value: 70000: .* should be less than or equal to 65535/,
  },
  {
    name: 'name too long for child resources',
    mutate: (o) => (o.metadata.name = `alma-${'x'.repeat(40)}`),
    says: /metadata\.name must be at most 40 characters/,
  },
  {
    name: 'misspelt field (strict decoding)',
    mutate: (o) => (o.spec.institutions[0].bibRecord = 5),
    says: /strict decoding error: unknown field "spec\.institutions\[0\]\.bibRecord"/,
  },
  {
    name: 'bib records as text',
    mutate: (o) => (o.spec.institutions[0].bibRecords = 'about a million'),
    says: /bibRecords in body must be of type integer: "string"/,
  },
];

describe('AlmaRestore validation by the real API server', () => {
  let cp: ControlPlane;
  let custom: k8s.CustomObjectsApi;
  let namespace: string;
  let counter = 0;
  const base = () => ({ group: GROUP, version: VERSION, namespace, plural: PLURAL });
  const named = (o: Manifest) => {
    if (o.metadata.name.length <= 30) o.metadata.name = `${o.metadata.name}-${++counter}`;
    return o;
  };
  const create = async (o: Manifest): Promise<Verdict> => {
    try {
      await custom.createNamespacedCustomObject({ ...base(), body: o, fieldValidation: 'Strict' });
      return { ok: true };
    } catch (err) {
      if (typeof (err as { body?: unknown }).body !== 'string') throw err;
      return serverVerdict(err);
    }
  };
  const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

  before(async () => {
    cp = await sharedControlPlane();
    await cp.applyCrds([CRD_FILE]);
    custom = cp.kubeConfig.makeApiClient(k8s.CustomObjectsApi);
    namespace = await cp.newNamespace('api-validation');
  });

  for (const file of ['almarestore-managed.yaml', 'almarestore-existing.yaml'])
    it(`accepts ${file} and defaults it exactly as the offline resolver does`, async () => {
      const o = named(example(file));
      assert.deepEqual(await create(o), { ok: true });
      assert.deepEqual(offlineVerdict(o), { ok: true });
      const stored = (await custom.getNamespacedCustomObject({
        ...base(),
        name: o.metadata.name,
      })) as Manifest;
      const offline = validateAlmaRestore(o);
      assert.ok(offline.ok);
      assert.deepEqual(stored.spec, offline.defaulted.spec);
    });

  it(`has at least 12 invalid cases (${INVALID.length})`, () => assert.ok(INVALID.length >= 12));

  for (const c of INVALID)
    it(`rejects ${c.name}, with the offline validator agreeing word for word`, async () => {
      const o = named(example('almarestore-managed.yaml'));
      c.mutate(o);
      const server = await create(o);
      assert.equal(server.ok, false, 'the API server accepted it');
      assert.match(server.message!, c.says);
      assert.deepEqual(offlineVerdict(o), server);
    });

  it('refuses to change what a started restore means, but allows suspend; both sides agree', async () => {
    const o = named(example('almarestore-managed.yaml'));
    assert.deepEqual(await create(o), { ok: true });
    const name = o.metadata.name as string;

    // Not started yet (Queued): the spec may still change.
    await custom.patchNamespacedCustomObjectStatus(
      { ...base(), name, body: { status: { phase: 'Queued' } } },
      merge,
    );
    await custom.patchNamespacedCustomObject(
      { ...base(), name, body: { spec: { institutions: [{ institutionId: '3978', bibRecords: 1300000 }] } } },
      merge,
    );

    await custom.patchNamespacedCustomObjectStatus(
      { ...base(), name, body: { status: { phase: 'Importing', startTime: '2026-07-01T10:00:00Z' } } },
      merge,
    );
    const stored = (await custom.getNamespacedCustomObject({ ...base(), name })) as Manifest;

    const changes: [string, Manifest, RegExp][] = [
      [
        'customerId',
        { spec: { customerId: '4000' } },
        /^spec\.customerId: Forbidden: cannot change once the restore has started \(phase Importing\); create a new AlmaRestore/,
      ],
      [
        'database',
        { spec: { database: { managed: { sid: 'ALMA' } } } },
        /^spec\.database: Forbidden: cannot change/,
      ],
      ['import engine', { spec: { import: { engine: 'impdp' } } }, /^spec\.import: Forbidden: cannot change/],
    ];
    for (const [what, patch, says] of changes) {
      let server: Verdict = { ok: true };
      try {
        await custom.patchNamespacedCustomObject({ ...base(), name, body: patch }, merge);
      } catch (err) {
        server = serverVerdict(err);
      }
      assert.equal(server.ok, false, `changing ${what} after the start was accepted`);
      assert.equal(server.causes?.length, 1, JSON.stringify(server));
      assert.match(server.causes![0]!, says);
      const updated = structuredClone(stored);
      const { spec } = patch as { spec: Record<string, unknown> };
      for (const [k, v] of Object.entries(spec))
        updated.spec[k] = typeof v === 'object' ? { ...updated.spec[k], ...(v as object) } : v;
      if (what === 'database')
        updated.spec.database.managed = { ...stored.spec.database.managed, sid: 'ALMA' };
      assert.deepEqual(offlineVerdict(updated, stored), server, `offline verdict on ${what}`);
    }

    // Mutable after the start: suspend, parallelism, deadlines, retention.
    await custom.patchNamespacedCustomObject(
      {
        ...base(),
        name,
        body: { spec: { suspend: true, import: { parallelism: 8 }, retention: { onDelete: 'Delete' } } },
      },
      merge,
    );
    const suspended = structuredClone(stored);
    suspended.spec.suspend = true;
    assert.deepEqual(offlineVerdict(suspended, stored), { ok: true });
  });

  it('makes cancel final', async () => {
    const o = named(example('almarestore-managed.yaml'));
    o.spec.cancel = true;
    assert.deepEqual(await create(o), { ok: true });
    const name = o.metadata.name as string;
    const stored = (await custom.getNamespacedCustomObject({ ...base(), name })) as Manifest;
    let server: Verdict = { ok: true };
    try {
      await custom.patchNamespacedCustomObject({ ...base(), name, body: { spec: { cancel: false } } }, merge);
    } catch (err) {
      server = serverVerdict(err);
    }
    assert.match(server.message ?? '', /spec\.cancel: Invalid value: false: cannot be undone/);
    const undone = structuredClone(stored);
    undone.spec.cancel = false;
    assert.deepEqual(offlineVerdict(undone, stored), server);
  });

  it('shows Phase, Institutions, Bibs, Progress and Age in kubectl get', async () => {
    const o = named(example('almarestore-managed.yaml'));
    assert.deepEqual(await create(o), { ok: true });
    const name = o.metadata.name as string;
    await custom.patchNamespacedCustomObjectStatus(
      {
        ...base(),
        name,
        body: {
          status: {
            phase: 'Fetching',
            progress: 12,
            plan: { institutionIds: '3978', totalBibRecords: 1200000 },
          },
        },
      },
      merge,
    );
    const table = await getTable(
      cp.kubeConfig,
      `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}/${name}`,
    );
    assert.deepEqual(
      table.columnDefinitions.map((c) => c.name),
      ['Name', 'Phase', 'Institutions', 'Bibs', 'Progress', 'Age'],
    );
    assert.deepEqual(table.rows[0]!.cells.slice(0, 5), [name, 'Fetching', '3978', 1200000, 12]);
  });
});

interface Table {
  columnDefinitions: { name: string }[];
  rows: { cells: unknown[] }[];
}

/** GET as a server-side Table (what kubectl get prints). */
async function getTable(kc: k8s.KubeConfig, apiPath: string): Promise<Table> {
  const url = new URL(kc.getCurrentCluster()!.server + apiPath);
  const opts: import('node:https').RequestOptions = {
    method: 'GET',
    hostname: url.hostname,
    port: url.port,
    path: url.pathname,
    headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' },
  };
  await kc.applyToHTTPSOptions(opts);
  return new Promise((resolve, reject) => {
    const req = request(opts, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () =>
        res.statusCode === 200 ? resolve(JSON.parse(body) as Table) : reject(new Error(body)),
      );
    });
    req.on('error', reject);
    req.end();
  });
}
/* eslint-enable @typescript-eslint/no-explicit-any */
