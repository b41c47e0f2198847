// The hints `plan` adds below the API server's words: quote an unquoted id, "did you mean" for a
// misspelt field, and `plan -f <directory>`.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, copyFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import YAML from 'yaml';
import { closestNames, manifestHints, splitPath } from '../../src/api/manifest-hints.js';
import { readManifests, registerPlanCommand, renderPlan } from '../../src/plan/command.js';
import { almaRestore } from './api-fixtures.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const OPTS = { source: 'm.yaml', runnerImage: 'runner:1', namespace: 'default' };

/* eslint-disable-next-line @typescript-eslint/no-explicit-any -- edits of untyped JSON */
type Doc = Record<string, any>;
function manifest(edit: (doc: Doc) => void): string {
  const doc = JSON.parse(JSON.stringify(almaRestore())) as Doc;
  edit(doc);
  return YAML.stringify(doc);
}

describe('manifest hints', () => {
  it('tells to quote an unquoted customerId (YAML reads 3975 as a number)', () => {
    const text = manifest((d) => (d.spec.customerId = 3975));
    assert.match(text, /customerId: 3975\n/);
    const out = renderPlan(text, OPTS);
    assert.ok(!out.ok);
    const [first] = out.errors;
    assert.match(first!, /spec\.customerId in body must be of type string/);
    assert.match(
      first!,
      /\n {2}hint: spec\.customerId is the number 3975 in YAML, and it must be a string: quote it \(customerId: '3975'\)/,
    );
  });

  it('says "did you mean" for a misspelt field, at any depth', () => {
    const text = manifest((d) => {
      d.spec.source.sftp.waitForDelvery = '2h';
      d.spec.institutions[0].bibrecords = 5;
    });
    const out = renderPlan(text, OPTS);
    assert.ok(!out.ok);
    assert.match(out.errors[0]!, /strict decoding error: unknown field "spec.institutions\[0\].bibrecords"/);
    assert.match(
      out.errors[0]!,
      /hint: unknown field "spec.source.sftp.waitForDelvery": did you mean "waitForDelivery"\?/,
    );
    assert.match(
      out.errors[0]!,
      /hint: unknown field "spec.institutions\[0\].bibrecords": did you mean "bibRecords"\?/,
    );
  });

  it('lists the known fields when nothing is close', () => {
    const hints = manifestHints(
      YAML.parse(manifest((d) => (d.spec.retention = { keepForever: true }))) as unknown,
    );
    assert.deepEqual(hints, [
      'unknown field "spec.retention.keepForever": the fields under spec.retention are deleteStagingOnSuccess, onDelete (kubectl explain almarestore.spec.retention)',
    ]);
  });

  it('has nothing to say about a valid manifest', () => {
    assert.deepEqual(manifestHints(almaRestore()), []);
    assert.deepEqual(splitPath('spec.institutions[0].schema'), ['spec', 'institutions', 0, 'schema']);
    assert.deepEqual(closestNames('stagingclaimname', ['stagingClaimName', 'stagingPath']), [
      'stagingClaimName',
    ]);
  });
});

describe('plan -f <directory>', () => {
  it('plans every AlmaRestore of a directory and skips the Secrets', async () => {
    const files = await readManifests(path.join(ROOT, 'manifests/examples'));
    assert.ok(files.some((f) => f.source.endsWith('secrets-managed.yaml')));
    const program = new Command().exitOverride();
    registerPlanCommand(program);
    const written: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => (
      written.push(String(chunk)),
      true
    )) as typeof process.stdout.write;
    try {
      await program.parseAsync(['plan', '-f', path.join(ROOT, 'manifests/examples')], { from: 'user' });
    } finally {
      process.stdout.write = write;
    }
    const out = written.join('');
    assert.match(out, /# alma-restore plan for library\/alma-2026q3/);
    assert.match(out, /# alma-restore plan for library\/consortium-2026q3/);
  });

  it('names the file of each error, and says what to do with a directory without manifests', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'alma-plan-dir-'));
    try {
      await copyFile(
        path.join(ROOT, 'manifests/examples/secrets-managed.yaml'),
        path.join(dir, 'a-secrets.yaml'),
      );
      await writeFile(
        path.join(dir, 'b.yaml'),
        manifest((d) => (d.spec.customerId = 3975)),
      );
      const program = new Command().exitOverride();
      registerPlanCommand(program);
      await assert.rejects(
        program.parseAsync(['plan', '-f', dir], { from: 'user' }),
        (err: Error & { exitCode?: number }) =>
          err.exitCode === 2 &&
          err.message.startsWith(`${path.join(dir, 'b.yaml')}: AlmaRestore.almarestore.io "q3" is invalid`),
      );
      const empty = path.join(dir, 'empty');
      await (await import('node:fs/promises')).mkdir(empty);
      await assert.rejects(
        program.parseAsync(['plan', '-f', empty], { from: 'user' }),
        /is a directory without manifests \(\*\.yaml, \*\.yml, \*\.json\): name a file, or a directory that holds some/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
