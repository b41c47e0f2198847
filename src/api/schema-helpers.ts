// Small constructors for OpenAPI v3 schema nodes, so the CRD reads like a table of fields and
// every node is forced to carry a description (`kubectl explain` is the API's manual).

export interface CelRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

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

type Extra = Omit<Schema, 'description' | 'type'>;

// Enum strings get a maxLength too: the CEL cost estimator does not read enums, and rules that
// compare whole objects (the immutability rules) need every string bounded.
export const str = (description: string, extra: Extra = {}): Schema => ({
  description,
  type: 'string',
  ...(extra.enum && extra.maxLength === undefined
    ? { maxLength: Math.max(...extra.enum.map((v) => String(v).length)) }
    : {}),
  ...extra,
});
export const int = (description: string, extra: Extra = {}): Schema => ({
  description,
  type: 'integer',
  ...extra,
});
export const num = (description: string, extra: Extra = {}): Schema => ({
  description,
  type: 'number',
  ...extra,
});
export const bool = (description: string, extra: Extra = {}): Schema => ({
  description,
  type: 'boolean',
  ...extra,
});
export const obj = (
  description: string,
  properties: Record<string, Schema>,
  extra: Omit<Extra, 'properties'> = {},
): Schema => ({ description, type: 'object', properties, ...extra });
export const arr = (description: string, items: Schema, extra: Omit<Extra, 'items'> = {}): Schema => ({
  description,
  type: 'array',
  items,
  ...extra,
});
export const map = (description: string, values: Schema, extra: Extra = {}): Schema => ({
  description,
  type: 'object',
  additionalProperties: values,
  ...extra,
});
