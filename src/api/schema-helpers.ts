// Small constructors for the AlmaRestore schema, on TypeBox: each node is a TypeBox schema (so
// `Static<typeof node>` is its TypeScript type, and types.ts derives every API type from the
// schema instead of mirroring it) that also carries the Kubernetes keywords (CEL rules,
// int-or-string, list types) as options, and is forced to carry a description (`kubectl explain`
// is the API's manual). `structural()` turns the tree into the plain OpenAPI v3 data of the CRD:
// TypeBox's symbol keys dropped, keys in the order the CRD has always been written in.
import {
  Type,
  type TArray,
  type TBoolean,
  type TInteger,
  type TNumber,
  type TObject,
  type TProperties,
  type TSchema,
  type TString,
  type TUnsafe,
} from '@sinclair/typebox';

export type { Static, TSchema } from '@sinclair/typebox';

export interface CelRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

/** A node of the CRD's openAPIV3Schema as plain data (what the API server and schema-walk.ts read). */
export interface Schema {
  description: string;
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema;
  required?: string[];
  items?: Schema;
  enum?: (string | number)[];
  default?: unknown;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  maxProperties?: number;
  'x-kubernetes-int-or-string'?: true;
  anyOf?: { type: 'integer' | 'string' }[];
  'x-kubernetes-preserve-unknown-fields'?: true;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-validations'?: CelRule[];
}

/** The keywords a node may carry besides its description and type. */
export type Extra = Omit<Schema, 'description' | 'type' | 'properties' | 'items' | 'required'>;

/**
 * Marks a property the controller always writes (status): required in the TypeScript type, but
 * not in the CRD's `required` list, which stays as it was (the API server does not insist).
 */
const Written = Symbol('alma.written');
export const written = <T extends TSchema>(s: T): T => Object.assign(s, { [Written]: true });

/** An optional property: `?` in the type, absent from the CRD's `required`. */
export const opt = <T extends TSchema>(s: T) => {
  const o = Type.Optional(s);
  origin.set(o, s);
  return o;
};
/** Type.Optional copies its node: the node it was made from, so that structural() can tell. */
const origin = new WeakMap<object, object>();

// Enum strings get a maxLength too: the CEL cost estimator does not read enums, and rules that
// compare whole objects (the immutability rules) need every string bounded.
export const str = (description: string, extra: Extra = {}): TString =>
  Type.String({ description, ...extra });
export const strEnum = <const E extends readonly string[]>(
  description: string,
  values: E,
  extra: Omit<Extra, 'enum'> = {},
): TUnsafe<E[number]> =>
  Type.Unsafe<E[number]>({
    description,
    type: 'string',
    ...(extra.maxLength === undefined ? { maxLength: Math.max(...values.map((v) => v.length)) } : {}),
    enum: [...values],
    ...extra,
  });
export const int = (description: string, extra: Extra = {}): TInteger =>
  Type.Integer({ description, ...extra });
export const num = (description: string, extra: Extra = {}): TNumber =>
  Type.Number({ description, ...extra });
export const bool = (description: string, extra: Extra = {}): TBoolean =>
  Type.Boolean({ description, ...extra });
export const arr = <T extends TSchema>(description: string, items: T, extra: Extra = {}): TArray<T> =>
  Type.Array(items, { description, ...extra });
export function obj<P extends TProperties>(
  description: string,
  properties: P,
  extra: Extra = {},
): TObject<P> {
  const s = Type.Object(properties, { description, ...(extra as Omit<Extra, 'additionalProperties'>) });
  const loose = s as { required?: string[] };
  const required = (loose.required ?? []).filter((k) => !(Written in properties[k]!));
  if (required.length > 0) loose.required = required;
  else delete loose.required;
  return s;
}
/** A node whose TypeScript type the schema cannot say by itself (int-or-string, free-form). */
export const typed = <T>(schema: Schema | TSchema): TUnsafe<T> => Type.Unsafe<T>(schema);

/** The keys that lead, in this order; the others follow as written. */
const LEADING = ['description', 'type', 'properties', 'items', 'required'] as const;
const NESTED = new Set(['properties', 'additionalProperties', 'items']);

/**
 * The plain OpenAPI v3 data of a schema tree: TypeBox's symbols ([Kind], [OptionalKind]) and
 * `$id` dropped, keys in the CRD's order (description, type, properties/items, required, then the
 * rest as written). CEL rule objects are kept by reference, so a test can tell which named rule
 * sits where.
 */
export function structural(node: TSchema | Schema, memo = new Map<object, Schema>()): Schema {
  // A node used in several places (stepProgress under each step) stays one object, which the
  // YAML writer prints once with an anchor, as it always has.
  const key = origin.get(node) ?? node;
  const seen = memo.get(key);
  if (seen) return seen;
  const src = node as unknown as Record<string, unknown>;
  const keys = [
    ...LEADING.filter((k) => k in src),
    ...Object.keys(src).filter((k) => !(LEADING as readonly string[]).includes(k)),
  ].filter((k) => k !== '$id' && k !== '$schema');
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const v = src[k];
    if (k === 'properties')
      out[k] = Object.fromEntries(
        Object.entries(v as Record<string, TSchema>).map(([name, sub]) => [name, structural(sub, memo)]),
      );
    else if (NESTED.has(k)) out[k] = structural(v as TSchema, memo);
    else out[k] = v;
  }
  memo.set(key, out as unknown as Schema);
  return out as unknown as Schema;
}
