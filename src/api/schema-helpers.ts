// Small constructors for the AlmaRestore schema, on TypeBox: each node is a TypeBox schema (so
// `Static<typeof node>` is its TypeScript type, and types.ts derives every API type from the
// schema instead of mirroring it) that also carries the Kubernetes keywords (CEL rules,
// int-or-string, list types) as options, and is forced to carry a description (`kubectl explain`
// is the API's manual). `structural()` turns the tree into the plain OpenAPI v3 data of the CRD:
// TypeBox's symbol keys dropped, keys in the order the CRD has always been written in.
import {
  Type,
  type Static,
  type TOptional,
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

// A node built with a `default` carries that fact in its TypeScript type too (a phantom mark, no
// run-time key), so Defaulted<> below can say which fields defaulting always fills in.
declare const HasDefault: unique symbol;
type Mark<X> = X extends { default: unknown } ? { readonly [HasDefault]: true } : unknown;
const mark = <S, X>(s: S) => s as S & Mark<X>;

// Enum strings get a maxLength too: the CEL cost estimator does not read enums, and rules that
// compare whole objects (the immutability rules) need every string bounded.
export const str = <X extends Omit<Extra, 'enum'> = object>(description: string, extra?: X) =>
  mark<TString, X>(Type.String({ description, ...extra }));
export const strEnum = <const E extends readonly string[], X extends Omit<Extra, 'enum'> = object>(
  description: string,
  values: E,
  extra?: X,
) =>
  mark<TUnsafe<E[number]>, X>(
    Type.Unsafe<E[number]>({
      description,
      type: 'string',
      ...(extra?.maxLength === undefined ? { maxLength: Math.max(...values.map((v) => v.length)) } : {}),
      enum: [...values],
      ...extra,
    }),
  );
export const int = <X extends Extra = object>(description: string, extra?: X) =>
  mark<TInteger, X>(Type.Integer({ description, ...extra }));
export const num = <X extends Extra = object>(description: string, extra?: X) =>
  mark<TNumber, X>(Type.Number({ description, ...extra }));
export const bool = <X extends Extra = object>(description: string, extra?: X) =>
  mark<TBoolean, X>(Type.Boolean({ description, ...extra }));
export const arr = <T extends TSchema, X extends Extra = object>(description: string, items: T, extra?: X) =>
  mark<TArray<T>, X>(Type.Array(items, { description, ...extra }));
export function obj<P extends TProperties, X extends Extra = object>(
  description: string,
  properties: P,
  extra?: X,
): TObject<P> & Mark<X> {
  const s = Type.Object(properties, { description, ...(extra as Omit<Extra, 'additionalProperties'>) });
  const loose = s as { required?: string[] };
  const required = (loose.required ?? []).filter((k) => !(Written in properties[k]!));
  if (required.length > 0) loose.required = required;
  else delete loose.required;
  return mark<TObject<P>, X>(s);
}
/**
 * A node whose TypeScript type the schema cannot say by itself (int-or-string, free-form);
 * `defaulted` when the schema gives it a default.
 */
export const typed = <T, D extends 'defaulted' | 'plain' = 'plain'>(schema: Schema | TSchema) =>
  Type.Unsafe<T>(schema) as TUnsafe<T> & (D extends 'defaulted' ? { readonly [HasDefault]: true } : unknown);

/** Present after defaulting: a required property, or an optional one with a default. */
type Present<S> =
  S extends TOptional<TSchema> ? (S extends { readonly [HasDefault]: true } ? true : false) : true;
type Flat<T> = { [K in keyof T]: T[K] } & {};
/**
 * The type of a value after the API server's defaulting (schema-walk.ts applyDefaults): like
 * Static<>, but a property with a default is no longer optional, at any depth.
 */
export type Defaulted<T> =
  T extends TObject<infer P>
    ? Flat<
        { [K in keyof P as Present<P[K]> extends true ? K : never]: Defaulted<P[K]> } & {
          [K in keyof P as Present<P[K]> extends true ? never : K]?: Defaulted<P[K]>;
        }
      >
    : T extends TArray<infer I>
      ? Defaulted<I>[]
      : T extends TSchema
        ? Static<T>
        : never;

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
