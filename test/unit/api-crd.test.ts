// The CRD: generated file up to date, self-documenting, every CEL rule wired and implemented,
// every string bounded (the CEL cost budget depends on it), printer columns pointing at real fields.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  CATEGORY,
  CRD_FILE,
  RULES,
  SHORT_NAME,
  crdYaml,
  customResourceDefinition,
  openAPIV3Schema,
  printerColumns,
} from '../../src/api/crd.js';
import type { CelRule, Schema } from '../../src/api/schema-helpers.js';
import { CEL_IMPLEMENTATIONS } from '../../src/api/validation.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

function walk(schema: Schema, at: string, visit: (s: Schema, at: string) => void) {
  visit(schema, at);
  for (const [k, sub] of Object.entries(schema.properties ?? {})) walk(sub, `${at}.${k}`, visit);
  if (schema.items) walk(schema.items, `${at}[]`, visit);
  if (schema.additionalProperties) walk(schema.additionalProperties, `${at}{}`, visit);
}

describe('AlmaRestore CRD', () => {
  it('is generated: crds/almarestore.io_almarestores.yaml equals crdYaml() (run npx tsx src/api/write-crd.ts)', () => {
    assert.equal(readFileSync(path.join(ROOT, CRD_FILE), 'utf8'), crdYaml());
  });

  it('names: group, kind, plural, short name, category, namespaced, status subresource', () => {
    const crd = customResourceDefinition();
    assert.equal(crd.metadata.name, 'almarestores.almarestore.io');
    assert.deepEqual(crd.spec.names.shortNames, [SHORT_NAME]);
    assert.deepEqual(crd.spec.names.categories, [CATEGORY]);
    assert.equal(crd.spec.scope, 'Namespaced');
    assert.deepEqual(crd.spec.versions[0]!.subresources, { status: {} });
  });

  it('has a description on every field (kubectl explain), except metadata where the API server forbids it', () => {
    const missing: string[] = [];
    walk(openAPIV3Schema, '', (s, at) => {
      if (at !== '.metadata' && !s.description) missing.push(at || '<root>');
    });
    assert.deepEqual(missing, []);
  });

  it('bounds every spec string and list (the CEL cost estimator needs it)', () => {
    const unbounded: string[] = [];
    walk(openAPIV3Schema.properties!.spec!, 'spec', (s, at) => {
      if (s.type === 'string' && s.maxLength === undefined) unbounded.push(at);
      if (s.type === 'array' && s.maxItems === undefined) unbounded.push(at);
    });
    assert.deepEqual(unbounded, []);
  });

  it('uses every named CEL rule, and validation.ts implements each', () => {
    const used = new Map<CelRule, number>();
    walk(openAPIV3Schema, '', (s) => {
      for (const r of s['x-kubernetes-validations'] ?? []) used.set(r, (used.get(r) ?? 0) + 1);
    });
    for (const [name, rule] of Object.entries(RULES)) {
      assert.ok((used.get(rule) ?? 0) >= 1, `rule ${name} is not used`);
      assert.equal(typeof CEL_IMPLEMENTATIONS[name as keyof typeof RULES], 'function');
    }
    assert.equal(used.size, Object.keys(RULES).length, 'a CEL rule in the schema is not in RULES');
  });

  it('puts no fractional minimum or maximum on a field (kube-openapi compares integer values with int64(bound))', () => {
    // MinimumNativeType/MaximumNativeType in k8s.io/kube-openapi pkg/validation/validate/values.go:
    // an integer value is checked against int64(minimum), so `alertRatio: 0` passed a minimum of
    // 0.5. Fractional ranges are CEL rules instead.
    walk(openAPIV3Schema, '', (s, p) => {
      for (const bound of [s.minimum, s.maximum])
        if (bound !== undefined) assert.ok(Number.isInteger(bound), `${p} has the fractional bound ${bound}`);
    });
  });

  it('refers to the CEL-reserved field "import" as __import__ in rules', () => {
    for (const rule of Object.values(RULES)) assert.doesNotMatch(rule.rule, /\.import\./, rule.rule);
  });

  it('has printer columns Phase, Institutions, Bibs, Progress, Age on status fields that exist', () => {
    assert.deepEqual(
      printerColumns.map((c) => c.name),
      ['Phase', 'Institutions', 'Bibs', 'Progress', 'Age'],
    );
    for (const col of printerColumns.filter((c) => c.jsonPath.startsWith('.status'))) {
      let s: Schema | undefined = openAPIV3Schema;
      for (const part of col.jsonPath.slice(1).split('.')) s = s?.properties?.[part];
      assert.ok(s, `${col.jsonPath} is not in the schema`);
      assert.equal(s.type, col.type);
    }
  });

  it('has the vendor defaults in the schema', () => {
    const spec = openAPIV3Schema.properties!.spec!.properties!;
    assert.equal(spec.tablespaceGuard!.properties!.alertRatio!.default, 0.85);
    // The range is a CEL rule: kube-openapi compares an integer value with int64(minimum), so a
    // minimum of 0.5 would let `alertRatio: 0` through.
    const alertRatio = spec.tablespaceGuard!.properties!.alertRatio!;
    assert.equal(alertRatio.minimum, undefined);
    assert.equal(alertRatio['x-kubernetes-validations']?.[0]?.rule, 'self >= 0.5 && self <= 0.99');
    assert.equal(spec.storage!.properties!.gibPerMillionBibs!.default, 150);
    assert.equal(spec.import!.properties!.engine!.default, 'datapump-api');
    assert.equal(spec.import!.properties!.parallelism!.default, 'auto');
    assert.equal(spec.retention!.properties!.onDelete!.default, 'Retain');
    assert.equal(spec.source!.properties!.sftp!.properties!.insecureSkipHostKeyVerification!.default, false);
    assert.match(
      spec.source!.properties!.sftp!.properties!.insecureSkipHostKeyVerification!.description,
      /^DANGER/,
    );
  });
});
