import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import YAML from 'yaml';
import { registerPlanCommand, renderPlan } from '../../src/plan/command.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const OPTS = { source: 'm.yaml', runnerImage: 'runner:1', namespace: 'default' };
const example = (f: string) => readFileSync(path.join(ROOT, 'manifests/examples', f), 'utf8');

describe('alma-restore plan', () => {
  it('prints the sizing and every resource of the managed example, skipping other documents', () => {
    const out = renderPlan(
      `${example('secrets-managed.yaml')}\n---\n${example('almarestore-managed.yaml')}`,
      OPTS,
    );
    assert.ok(out.ok);
    assert.match(out.yaml, /^# alma-restore plan for library\/alma-2026q3/);
    assert.match(out.yaml, /# {3}staging volume {3}85Gi/);
    assert.match(out.yaml, /institution 3978: schema EXL_ADMIN, tablespace USERS 96Gi/);
    const docs = YAML.parseAllDocuments(out.yaml).map(
      (d) => d.toJS() as { kind: string; metadata: { name: string } },
    );
    assert.deepEqual(
      docs.map((d) => `${d.kind}/${d.metadata.name}`),
      [
        'AlmaRestore/alma-2026q3',
        'ConfigMap/alma-2026q3-config',
        'PersistentVolumeClaim/alma-2026q3-staging',
        'Service/alma-2026q3-db',
        'StatefulSet/alma-2026q3-db',
        'Job/alma-2026q3-fetch-1',
        'Job/alma-2026q3-prepare-1',
        'Job/alma-2026q3-import-1',
        'Job/alma-2026q3-verify-1',
      ],
    );
    const ar = docs[0] as unknown as {
      status: { plan: { stagingSize: string } };
      spec: { source: { sftp: { port: number } } };
    };
    assert.equal(ar.status.plan.stagingSize, '85Gi');
    assert.equal(ar.spec.source.sftp.port, 22);
  });

  it('plans the existing-database example without database or staging volume of its own', () => {
    const out = renderPlan(example('almarestore-existing.yaml'), OPTS);
    assert.ok(out.ok);
    const kinds = YAML.parseAllDocuments(out.yaml).map((d) => (d.toJS() as { kind: string }).kind);
    assert.deepEqual(kinds, ['AlmaRestore', 'ConfigMap', 'Job', 'Job', 'Job', 'Job']);
  });

  it("gives the API server's messages for an invalid manifest", () => {
    const bad = example('almarestore-managed.yaml').replace("customerId: '3975'", 'customerId: TCD');
    const out = renderPlan(bad, OPTS);
    assert.ok(!out.ok);
    assert.deepEqual(out.errors, [
      `AlmaRestore.almarestore.io "alma-2026q3" is invalid: spec.customerId: Invalid value: "TCD": spec.customerId in body should match '^[0-9]{1,20}$'`,
    ]);
  });

  it('says so when there is nothing to plan or the YAML is broken', () => {
    assert.deepEqual(renderPlan(example('secrets-managed.yaml'), OPTS), {
      ok: false,
      errors: ['m.yaml holds no AlmaRestore'],
    });
    const broken = renderPlan('kind: [', OPTS);
    assert.ok(!broken.ok && /m\.yaml is not valid YAML/.test(broken.errors[0]!));
  });

  it('exits with the usage code (2) through the CLI on an invalid file', async () => {
    const program = new Command('alma-restore').exitOverride();
    registerPlanCommand(program);
    await assert.rejects(
      program.parseAsync(['plan', '-f', path.join(ROOT, 'manifests/examples/secrets-managed.yaml')], {
        from: 'user',
      }),
      (err: { exitCode?: number; reason?: string }) => err.exitCode === 2 && err.reason === 'InvalidManifest',
    );
  });
});
