// docs/troubleshooting.md explains every reason the code can set (read from the source by
// test/support/condition-reasons.ts), and names no reason the code never sets.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { conditionReasons } from '../support/condition-reasons.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const doc = readFileSync(path.join(ROOT, 'docs/troubleshooting.md'), 'utf8');
/** Reasons in the first column of the page's tables. */
const documented = new Set(
  doc
    .split('\n')
    .filter((l) => l.startsWith('| `'))
    .flatMap((l) => [...l.split('|')[1]!.matchAll(/`([A-Z][A-Za-z]+)`/g)].map((m) => m[1]!)),
);

describe('docs/troubleshooting.md', () => {
  const reasons = conditionReasons();

  it('finds the reasons in the source (the scanner itself works)', () => {
    for (const r of [
      'HostKeyRejected',
      'StorageUnavailable',
      'DeliveryCorrupt',
      'SchemaNotEmpty',
      'Fetched',
      'ResultMalformed',
    ])
      assert.ok(reasons.has(r), `scanner missed ${r}`);
    assert.ok(reasons.size > 60, `only ${reasons.size} reasons found`);
  });

  it('explains every reason the code can set', () => {
    const missing = [...reasons.keys()].filter((r) => !documented.has(r)).sort();
    assert.deepEqual(
      missing,
      [],
      `add a row for each to docs/troubleshooting.md: ${missing.map((r) => `${r} (${reasons.get(r)!.join(', ')})`).join('; ')}`,
    );
  });

  it('lists no reason the code never sets', () => {
    const stale = [...documented].filter((r) => !reasons.has(r)).sort();
    assert.deepEqual(stale, [], 'reasons in docs/troubleshooting.md that no code sets');
  });
});
