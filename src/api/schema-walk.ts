// A structural-schema walker that does, offline, what kube-apiserver does to a custom resource
// before its CEL rules run: strict decoding (unknown fields), defaulting, and the OpenAPI checks,
// with the API server's own wording (kube-openapi's messages as apiextensions converts them), so
// `alma-restore plan` prints what `kubectl apply` would. Pure; covers the keywords crd.ts uses.
import type { Static, TSchema } from '@sinclair/typebox';
import { structural, type Defaulted, type Schema } from './schema-helpers.js';

export type FieldErrorReason =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueTypeInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueDuplicate'
  | 'FieldValueForbidden';

/** One cause, as the API server reports it in Status.details.causes. */
export interface FieldError {
  reason: FieldErrorReason;
  field: string;
  message: string;
}

export const formatFieldError = (e: FieldError) => `${e.field}: ${e.message}`;

/** Go's %v of a JSON value in field errors: strings quoted, numbers bare. */
export function goValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function joinPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return base ? `${base}.${key}` : key;
}

/** The JSON type name Go's validator reports for a value. */
function jsonTypeName(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** Strict decoding: fields the schema does not declare (the API server answers 400 for them). */
export function unknownFields(value: Json, schema: Schema, path = ''): string[] {
  if (schema['x-kubernetes-preserve-unknown-fields']) return [];
  if (Array.isArray(value) && schema.items)
    return value.flatMap((item, i) => unknownFields(item, schema.items as Schema, joinPath(path, i)));
  if (!isObject(value)) return [];
  if (schema.additionalProperties)
    return Object.entries(value).flatMap(([k, v]) =>
      unknownFields(v, schema.additionalProperties as Schema, joinPath(path, k)),
    );
  if (!schema.properties) return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    const sub = schema.properties[k];
    if (!sub) out.push(joinPath(path, k));
    else out.push(...unknownFields(v, sub, joinPath(path, k)));
  }
  return out;
}

/** Structural defaulting: nulls dropped, absent properties defaulted, then recursion (defaults nest). */
export function applyDefaults(value: Json, schema: Schema): Json {
  if (Array.isArray(value)) return schema.items ? value.map((v) => applyDefaults(v, schema.items!)) : value;
  if (!isObject(value)) return value;
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = v;
  if (schema.properties) {
    for (const [k, sub] of Object.entries(schema.properties)) {
      if (!(k in out) && sub.default !== undefined) out[k] = structuredClone(sub.default);
      if (k in out) out[k] = applyDefaults(out[k], sub);
    }
  } else if (schema.additionalProperties) {
    for (const k of Object.keys(out)) out[k] = applyDefaults(out[k], schema.additionalProperties);
  }
  return out;
}

const plain = new WeakMap<TSchema, Schema>();
/**
 * applyDefaults on a TypeBox schema, typed: the value as the API server stores it, Defaulted<> of
 * the same schema (the one place where the walker's untyped JSON meets the schema's type).
 */
export function withDefaults<T extends TSchema>(value: Static<T>, schema: T): Defaulted<T> {
  let s = plain.get(schema);
  if (!s) plain.set(schema, (s = structural(schema)));
  return structuredClone(applyDefaults(value, s)) as Defaulted<T>;
}

function typeMatches(v: Json, schema: Schema): boolean {
  if (schema['x-kubernetes-int-or-string']) return typeof v === 'string' || Number.isInteger(v);
  switch (schema.type) {
    case undefined:
      return true;
    case 'object':
      return isObject(v);
    case 'array':
      return Array.isArray(v);
    case 'string':
      return typeof v === 'string';
    case 'boolean':
      return typeof v === 'boolean';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
  }
}

/** The OpenAPI checks (after defaulting), in kube-apiserver's words. */
export function validateSchema(value: Json, schema: Schema, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const invalid = (detail: string, v: Json = value) =>
    errs.push({
      reason: 'FieldValueInvalid',
      field: path,
      message: `Invalid value: ${goValue(v)}: ${detail}`,
    });

  if (!typeMatches(value, schema)) {
    const got = jsonTypeName(value);
    const typeError = (want: string): FieldError => ({
      reason: 'FieldValueTypeInvalid',
      field: path,
      message: `Invalid value: "${got}": ${path} in body must be of type ${want}: "${got}"`,
    });
    if (!schema['x-kubernetes-int-or-string']) return [typeError(String(schema.type))];
    // int-or-string also fails its anyOf: [integer, string], reported as the server does.
    return [
      typeError('integer,string'),
      {
        reason: 'FieldValueInvalid',
        field: '<nil>',
        message: `Invalid value: "": "${path}" must validate at least one schema (anyOf)`,
      },
      typeError('integer'),
    ];
  }

  // kube-openapi stops at the first failing string check: maxLength, minLength, pattern.
  if (typeof value === 'string') {
    const length = [...value].length;
    if (schema.maxLength !== undefined && length > schema.maxLength)
      errs.push({
        reason: 'FieldValueTooLong',
        field: path,
        message: `Too long: may not be more than ${schema.maxLength} bytes`,
      });
    else if (schema.minLength !== undefined && length < schema.minLength)
      invalid(`${path} in body should be at least ${schema.minLength} chars long`);
    else if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value))
      invalid(`${path} in body should match '${schema.pattern}'`);
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum)
      invalid(`${path} in body should be greater than or equal to ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum)
      invalid(`${path} in body should be less than or equal to ${schema.maximum}`);
  }
  if (schema.enum && !schema.enum.includes(value as string | number))
    errs.push({
      reason: 'FieldValueNotSupported',
      field: path,
      message: `Unsupported value: ${goValue(value)}: supported values: ${schema.enum.map((e) => goValue(e)).join(', ')}`,
    });

  if (Array.isArray(value)) {
    if (schema.maxItems !== undefined && value.length > schema.maxItems)
      errs.push({
        reason: 'FieldValueTooMany',
        field: path,
        message: `Too many: ${value.length}: must have at most ${schema.maxItems} items`,
      });
    if (schema.minItems !== undefined && value.length < schema.minItems)
      invalid(`${path} in body should have at least ${schema.minItems} items`, value.length);
    value.forEach((item, i) => {
      if (schema.items) errs.push(...validateSchema(item, schema.items, joinPath(path, i)));
    });
    if (schema['x-kubernetes-list-type'] === 'set') {
      const seen = new Set<string>();
      value.forEach((item, i) => {
        const key = JSON.stringify(item);
        if (seen.has(key))
          errs.push({
            reason: 'FieldValueDuplicate',
            field: joinPath(path, i),
            message: `Duplicate value: ${goValue(item)}`,
          });
        seen.add(key);
      });
    }
  }

  if (isObject(value)) {
    if (schema.maxProperties !== undefined && Object.keys(value).length > schema.maxProperties)
      errs.push({
        reason: 'FieldValueTooMany',
        field: path,
        message: `Too many: ${Object.keys(value).length}: must have at most ${schema.maxProperties} items`,
      });
    for (const [k, v] of Object.entries(value)) {
      const sub = schema.properties?.[k] ?? schema.additionalProperties;
      if (sub) errs.push(...validateSchema(v, sub, joinPath(path, k)));
    }
    for (const req of schema.required ?? [])
      if (!(req in value))
        errs.push({ reason: 'FieldValueRequired', field: joinPath(path, req), message: 'Required value' });
  }
  return errs;
}

/** Schema errors after which kube-apiserver does not evaluate CEL rules (apiextensions hasBlockingErr). */
const BLOCKING: ReadonlySet<FieldErrorReason> = new Set([
  'FieldValueNotSupported',
  'FieldValueRequired',
  'FieldValueTooLong',
  'FieldValueTooMany',
  'FieldValueTypeInvalid',
]);

export const CEL_SKIPPED: FieldError = {
  reason: 'FieldValueInvalid',
  field: '<nil>',
  message:
    'Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
};

export const blocksCel = (errs: FieldError[]) => errs.some((e) => BLOCKING.has(e.reason));
