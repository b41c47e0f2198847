// Hints for the usual manifest mistakes, added below the API server's own words by `plan`
// (which must keep those words exact: test/integration/api-validation.test.ts compares them):
// an unquoted number where the schema wants a string (`customerId: 3975` is a YAML integer) and
// an unknown field that is a typo of a known one ("did you mean waitForDelivery?"). Pure.
import leven from 'leven';
import { openAPIV3Schema } from './crd.js';
import type { Schema } from './schema-helpers.js';
import { unknownFields } from './schema-walk.js';

type Json = unknown;

/** "spec.institutions[0].institutionId" -> ["spec", "institutions", 0, "institutionId"]. */
export function splitPath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  return out;
}

function schemaAt(root: Schema, path: (string | number)[]): Schema | undefined {
  let s: Schema | undefined = root;
  for (const key of path) {
    if (!s) return undefined;
    s = typeof key === 'number' ? s.items : (s.properties?.[key] ?? s.additionalProperties);
  }
  return s;
}

/** The known names closest to `name` (a typo is at most a third of the word away). */
export function closestNames(name: string, known: readonly string[]): string[] {
  const lower = name.toLowerCase();
  const scored = known
    .map((k) => ({ k, d: k.toLowerCase() === lower ? 0 : leven(lower, k.toLowerCase()) }))
    .filter(({ d }) => d <= Math.max(2, Math.floor(name.length / 3)));
  const best = Math.min(...scored.map((s) => s.d));
  return scored.filter((s) => s.d === best).map((s) => s.k);
}

function unknownFieldHint(field: string, schema: Schema): string {
  const path = splitPath(field);
  const name = String(path.at(-1));
  const parent = path.slice(0, -1);
  const known = Object.keys(schemaAt(schema, parent)?.properties ?? {});
  const where = parent.length > 0 ? `under ${parent.join('.').replace(/\.(\d+)/g, '[$1]')}` : 'at the top';
  const near = closestNames(name, known);
  if (near.length > 0)
    return `unknown field "${field}": did you mean ${near.map((n) => `"${n}"`).join(' or ')}?`;
  return `unknown field "${field}": the fields ${where} are ${known.join(', ')} (kubectl explain almarestore.${parent
    .filter((k) => typeof k === 'string')
    .join('.')})`;
}

/** Numbers (and booleans) that YAML read unquoted where the schema wants a string. */
function unquotedScalars(doc: Json, schema: Schema, path: (string | number)[] = []): string[] {
  if (Array.isArray(doc))
    return doc.flatMap((item, i) => (schema.items ? unquotedScalars(item, schema.items, [...path, i]) : []));
  if (typeof doc === 'object' && doc !== null) {
    if (!schema.properties) return [];
    return Object.entries(doc as Record<string, Json>).flatMap(([k, v]) => {
      const sub = schema.properties?.[k];
      return sub && k !== 'metadata' ? unquotedScalars(v, sub, [...path, k]) : [];
    });
  }
  const wantsString = schema.type === 'string' && !schema['x-kubernetes-int-or-string'];
  if (!wantsString || (typeof doc !== 'number' && typeof doc !== 'boolean')) return [];
  const field = path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
  const key = String(path.at(-1));
  return [
    `${field} is the ${typeof doc} ${String(doc)} in YAML, and it must be a string: quote it (${key}: '${String(doc)}')`,
  ];
}

/** Hints for a manifest the API server (or validateAlmaRestore) refused; empty when none apply. */
export function manifestHints(doc: Json, schema: Schema = openAPIV3Schema): string[] {
  if (typeof doc !== 'object' || doc === null) return [];
  const { metadata: _m, status: _s, ...rest } = doc as Record<string, Json>;
  const hints = unknownFields(rest as never, schema).map((f) => unknownFieldHint(f, schema));
  hints.push(...unquotedScalars(rest, schema));
  return hints;
}
