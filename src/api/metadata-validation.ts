// What kube-apiserver checks in a custom resource's metadata on create, in its own words
// (k8s.io/apimachinery pkg/api/validation ValidateObjectMetaAccessor with NameIsDNSSubdomain, as
// apiextensions' customresource validator calls it): generateName, name, labels, annotations.
// generateName is honoured as the server does (names.SimpleNameGenerator: the prefix cut to 58
// characters + 5 random characters); offline the 5 characters are GENERATED_SUFFIX. Pure.
import { goValue, type FieldError } from './schema-walk.js';

/** Offline stand-in for the API server's 5 random characters (from its own alphabet). */
export const GENERATED_SUFFIX = 'xxxxx';
const MAX_GENERATED_NAME_LENGTH = 63 - GENERATED_SUFFIX.length;

const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN = `${DNS1123_LABEL}(\\.${DNS1123_LABEL})*`;
const LABEL_KEY = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_VALUE = `(${LABEL_KEY})?`;
const TOTAL_ANNOTATION_SIZE = 256 * 1024;

const full = (re: string) => new RegExp(`^${re}$`);
const maxLenError = (n: number) => `must be no more than ${n} characters`;
const regexError = (msg: string, fmt: string, ...examples: string[]) =>
  `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${fmt}')`;
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

function dns1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (bytes(value) > 253) errs.push(maxLenError(253));
  if (!full(DNS1123_SUBDOMAIN).test(value))
    errs.push(
      regexError(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
        DNS1123_SUBDOMAIN,
        'example.com',
      ),
    );
  return errs;
}

// validation.NameIsDNSSubdomain(prefix=true) masks a trailing dash exactly like this (it drops
// the character before the dash too).
const maskTrailingDash = (name: string) =>
  name.length > 1 && name.endsWith('-') ? `${name.slice(0, -2)}a` : name;

const LABEL_KEY_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/** validation.IsQualifiedName (label and annotation keys). */
function qualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) name = parts[0]!;
  else if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else errs.push(...dns1123Subdomain(prefix).map((m) => `prefix part ${m}`));
  } else
    return [
      `a valid label key ${regexError(LABEL_KEY_MSG, LABEL_KEY, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (bytes(name) > 63) errs.push(`name part ${maxLenError(63)}`);
  if (!full(LABEL_KEY).test(name))
    errs.push(`name part ${regexError(LABEL_KEY_MSG, LABEL_KEY, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

function labelValue(value: string): string[] {
  const errs: string[] = [];
  if (bytes(value) > 63) errs.push(maxLenError(63));
  if (!full(LABEL_VALUE).test(value))
    errs.push(
      regexError(
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        LABEL_VALUE,
        'MyValue',
        'my_value',
        '12345',
      ),
    );
  return errs;
}

/** The name the API server would store: metadata.name, else generateName + 5 characters. */
export function effectiveName(metadata: { name?: unknown; generateName?: unknown } | undefined): string {
  if (typeof metadata?.name === 'string' && metadata.name !== '') return metadata.name;
  const base = metadata?.generateName;
  if (typeof base === 'string' && base !== '')
    return base.slice(0, MAX_GENERATED_NAME_LENGTH) + GENERATED_SUFFIX;
  return '';
}

const invalid = (field: string, value: unknown, msg: string): FieldError => ({
  reason: 'FieldValueInvalid',
  field,
  message: `Invalid value: ${goValue(value)}: ${msg}`,
});

/* eslint-disable @typescript-eslint/no-explicit-any -- metadata arrives as untyped JSON. */
export function metadataErrors(metadata: any): FieldError[] {
  const errs: FieldError[] = [];
  const generateName = metadata?.generateName;
  if (typeof generateName === 'string' && generateName !== '')
    for (const m of dns1123Subdomain(maskTrailingDash(generateName)))
      errs.push(invalid('metadata.generateName', generateName, m));
  const name = effectiveName(metadata);
  if (name === '')
    errs.push({
      reason: 'FieldValueRequired',
      field: 'metadata.name',
      message: 'Required value: name or generateName is required',
    });
  else for (const m of dns1123Subdomain(name)) errs.push(invalid('metadata.name', name, m));

  const labels: Record<string, unknown> = metadata?.labels ?? {};
  for (const [k, v] of Object.entries(labels)) {
    for (const m of qualifiedName(k)) errs.push(invalid('metadata.labels', k, m));
    for (const m of labelValue(String(v))) errs.push(invalid('metadata.labels', v, m));
  }
  const annotations: Record<string, unknown> = metadata?.annotations ?? {};
  let size = 0;
  for (const [k, v] of Object.entries(annotations)) {
    for (const m of qualifiedName(k.toLowerCase())) errs.push(invalid('metadata.annotations', k, m));
    size += k.length + String(v).length;
  }
  if (size > TOTAL_ANNOTATION_SIZE)
    errs.push({
      reason: 'FieldValueTooLong',
      field: 'metadata.annotations',
      message: `Too long: may not be more than ${TOTAL_ANNOTATION_SIZE} bytes`,
    });
  return errs;
}
/* eslint-enable @typescript-eslint/no-explicit-any */
