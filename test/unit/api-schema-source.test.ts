// One source for the CRD and the types (src/api/schema/): the CRD file as the API server reads it
// holds every CEL rule exactly where the schema modules put it (and where this file says it must
// be), nothing TypeBox-only leaks into it, and the TypeScript types follow the schema's optional,
// required, written and defaulted marks (checked by tsc: `npx tsc --noEmit` compiles this file).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import YAML from 'yaml';
import { CRD_FILE, RULES, almaRestoreSchema, crdYaml } from '../../src/api/crd.js';
import type { ResolvedSpec } from '../../src/api/defaults.js';
import {
  bool,
  int,
  obj,
  opt,
  str,
  strEnum,
  structural,
  written,
  type CelRule,
  type Defaulted,
  type Schema,
  type Static,
} from '../../src/api/schema-helpers.js';
import type {
  AlmaRestoreStatus,
  Condition,
  ImportSpec,
  Phase,
  SftpSourceSpec,
  StepStatus,
} from '../../src/api/types.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** Where each named CEL rule sits: losing one, or moving it, is a change of the API. */
const RULES_AT: Record<string, string[]> = {
  '': [
    'name',
    'immutableCustomerId',
    'immutableInstitutions',
    'immutableSource',
    'immutableDatabase',
    'immutableStorage',
    'immutableImport',
  ],
  spec: ['impdpImage', 'fetchDeadline'],
  'spec.institutions': [
    'uniqueInstitutionIds',
    'uniqueSchemas',
    'uniqueTablespaces',
    'defaultSchemaTaken',
    'defaultTablespaceTaken',
  ],
  'spec.institutions[].schema': ['reservedSchema'],
  'spec.institutions[].tablespace': ['reservedTablespace'],
  'spec.source.sftp.directory': ['noControlCharacters'],
  'spec.source.sftp.stableFor': ['stableFor'],
  'spec.database': ['exactlyOneDatabase'],
  'spec.database.managed': ['memoryLimit', 'memoryMinimum'],
  'spec.database.managed.resources': ['requestsWithinLimits'],
  'spec.database.managed.resources.requests.cpu': ['positiveQuantity'],
  'spec.database.managed.resources.requests.memory': ['positiveQuantity'],
  'spec.database.managed.resources.limits.cpu': ['positiveQuantity'],
  'spec.database.managed.resources.limits.memory': ['positiveQuantity'],
  'spec.database.existing': ['connectStringCredentials', 'connectStringCharacters'],
  'spec.database.existing.stagingPath': ['stagingPathShape', 'stagingPathSystem'],
  'spec.storage': ['stagingAboveMinimum', 'databaseAboveMinimum'],
  'spec.storage.stagingFraction': ['stagingFractionRange'],
  'spec.storage.minimumSize': ['storageBounds'],
  'spec.storage.stagingSize': ['storageBounds'],
  'spec.storage.databaseSize': ['storageBounds'],
  'spec.import.parallelism': ['parallelism'],
  'spec.tablespaceGuard.alertRatio': ['alertRatioRange'],
  'spec.tablespaceGuard.interval': ['guardInterval'],
  'spec.cancel': ['cancelIsFinal'],
};

const ruleName = new Map(Object.entries(RULES).map(([name, r]) => [JSON.stringify(r), name]));

type Node = Record<string, unknown> & {
  properties?: Record<string, Node>;
  items?: Node;
  'x-kubernetes-validations'?: CelRule[];
};
function walk(s: Node, at: string, visit: (s: Node, at: string) => void) {
  visit(s, at);
  for (const [k, sub] of Object.entries(s.properties ?? {})) walk(sub, at ? `${at}.${k}` : k, visit);
  if (s.items) walk(s.items, `${at}[]`, visit);
}
/** path -> names of the rules there; a rule that is not in RULES is named by its text. */
function rulesAt(schema: Node): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  walk(schema, '', (s, at) => {
    for (const r of s['x-kubernetes-validations'] ?? [])
      (out[at] ??= []).push(ruleName.get(JSON.stringify(r)) ?? `unnamed: ${r.rule}`);
  });
  return out;
}
const crdFileSchema = (): Node =>
  (
    YAML.parse(readFileSync(path.join(ROOT, CRD_FILE), 'utf8')) as {
      spec: { versions: { schema: { openAPIV3Schema: Node } }[] };
    }
  ).spec.versions[0]!.schema.openAPIV3Schema;

// The keywords a structural schema of this CRD may hold (apiextensions.k8s.io/v1 JSONSchemaProps).
const STRUCTURAL_KEYS = new Set([
  'description',
  'type',
  'format',
  'properties',
  'required',
  'items',
  'enum',
  'default',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'minItems',
  'maxItems',
  'anyOf',
  'x-kubernetes-int-or-string',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-validations',
]);

describe('one source for the CRD and the types', () => {
  it('the CRD file holds every CEL rule, with its message and fieldPath, where the schema puts it', () => {
    assert.equal(
      readFileSync(path.join(ROOT, CRD_FILE), 'utf8'),
      crdYaml(),
      'run npx tsx src/api/write-crd.ts',
    );
    assert.deepEqual(rulesAt(crdFileSchema()), RULES_AT);
    // ... and the TypeBox tree itself, so the generator cannot drop what the modules hold.
    assert.deepEqual(rulesAt(almaRestoreSchema as unknown as Node), RULES_AT);
  });

  it('puts nothing but structural-schema keywords into the CRD, and a description on every field but metadata', () => {
    const stray: string[] = [];
    const undescribed: string[] = [];
    walk(crdFileSchema(), '', (s, at) => {
      for (const k of Object.keys(s)) if (!STRUCTURAL_KEYS.has(k)) stray.push(`${at || '<root>'}: ${k}`);
      if (at !== 'metadata' && typeof s.description !== 'string') undescribed.push(at || '<root>');
    });
    assert.deepEqual(stray, []);
    assert.deepEqual(undescribed, []);
  });

  // The helpers' contract, on a small schema: what the CRD requires and what the type requires.
  const sample = obj('A sample.', {
    id: str('Required.'),
    port: opt(int('Optional with a default.', { default: 22 })),
    note: opt(str('Optional.')),
    seen: written(bool('Always written by the controller.')),
    mode: opt(strEnum('An enum.', ['a', 'b'], { default: 'a' })),
  });

  it("lists required fields in the CRD, but not optional or controller-written ones; drops TypeBox's symbols", () => {
    const plain: Schema = structural(sample);
    assert.deepEqual(plain.required, ['id']);
    assert.deepEqual(Object.keys(plain), ['description', 'type', 'properties', 'required']);
    assert.deepEqual(Object.getOwnPropertySymbols(plain.properties!.port!), []);
    assert.deepEqual(plain.properties!.mode, {
      description: 'An enum.',
      type: 'string',
      maxLength: 1,
      enum: ['a', 'b'],
      default: 'a',
    });
  });

  it('derives the types: optional stays optional, required and written are required, defaults fill in', () => {
    type S = Static<typeof sample>;
    type D = Defaulted<typeof sample>;
    const ok: Check<
      [
        Equal<S, { id: string; seen: boolean; port?: number; note?: string; mode?: 'a' | 'b' }>,
        Equal<D, { id: string; seen: boolean; port: number; mode: 'a' | 'b'; note?: string }>,
        // The real API: the schema's marks, as the code reads them.
        Equal<SftpSourceSpec['port'], number | undefined>,
        Equal<ResolvedSpec['source']['sftp']['port'], number>,
        Equal<SftpSourceSpec['mode'], 'stream' | 'stage' | undefined>,
        Equal<ImportSpec['parallelism'], 'auto' | number | undefined>,
        Equal<ResolvedSpec['import']['parallelism'], 'auto' | number>,
        Equal<ResolvedSpec['storage']['stagingSize'], string | undefined>,
        Equal<Condition['reason'], string>,
        Equal<Condition['observedGeneration'], number | undefined>,
        Equal<StepStatus['phase'], 'Pending' | 'Running' | 'Succeeded' | 'SucceededWithWarnings' | 'Failed'>,
        Equal<AlmaRestoreStatus['suspendedPhase'], Phase | undefined>,
      ]
    > = true;
    assert.equal(ok, true);
  });
});

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Check<T extends readonly true[]> = T extends readonly true[] ? true : never;
