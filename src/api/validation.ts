// Offline validation of an AlmaRestore manifest, with the verdict AND the words of kube-apiserver:
// strict decoding, metadata.name, defaulting, the OpenAPI checks (schema-walk.ts) and every CEL
// rule of schema/rules.ts re-implemented in TypeScript (CEL_IMPLEMENTATIONS: the compiler insists
// on one per rule). test/integration/api-validation.test.ts sends the same manifests to a real
// API server and compares. Pure.
import {
  BOUNDS,
  FIXABLE_WHEN_FAILED_AT,
  MAX_NAME_LENGTH,
  NOT_STARTED_PHASES,
  immutableMessage,
  type ImmutableField,
  NAME_PATTERN,
  PATTERNS,
  RULES,
  openAPIV3Schema,
  type RuleName,
} from './crd.js';
import { isReservedSchemaName, isReservedTablespaceName } from '../oracle/oracle-maintained.js';
import { isDuration, parseDurationSeconds } from './duration.js';
import { effectiveName, metadataErrors } from './metadata-validation.js';
import { isQuantity, parseQuantity } from './quantity.js';
import type { CelRule, Schema } from './schema-helpers.js';
import {
  CEL_SKIPPED,
  applyDefaults,
  blocksCel,
  formatFieldError,
  goValue,
  joinPath,
  unknownFields,
  validateSchema,
  type FieldError,
} from './schema-walk.js';
import { API_VERSION, GROUP, KIND, VERSION, type AlmaRestore, type AlmaRestoreSpec } from './types.js';

export type { FieldError } from './schema-walk.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- CEL rules see untyped JSON, as here. */
type CelImpl = (self: any, oldSelf: any) => boolean;

const has = (o: any, key: string) => typeof o === 'object' && o !== null && o[key] !== undefined;

/** CEL equality: maps by key (order-free), lists in order. */
export function celEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => celEquals(x, b[i]));
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  return (
    ka.length === kb.length &&
    ka.every((k) => celEquals((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}

export function restoreStarted(old: any): boolean {
  const st = old?.status;
  if (!has(st, 'phase')) return false;
  if ((NOT_STARTED_PHASES as readonly string[]).includes(st.phase)) return false;
  return !(st.phase === 'Suspended' && !has(st, 'startTime'));
}

/** The stored restore is Failed at one of `steps` (FIXABLE_WHEN_FAILED_AT). */
export function failedAt(old: any, steps: readonly string[]): boolean {
  return old?.status?.phase === 'Failed' && steps.includes(old?.status?.failedStep);
}

const immutable =
  (field: ImmutableField, subfields?: string[], fixable?: (old: any, self: any) => boolean): CelImpl =>
  (self, old) => {
    if (!restoreStarted(old)) return true;
    if (fixable?.(old, self)) return true;
    if (!subfields) return celEquals(self.spec[field], old.spec[field]);
    return subfields.every((f) => celEquals(self.spec[field]?.[f], old.spec[field]?.[f]));
  };

/** Mirrors DATABASE_FIXED_PART in crd.ts: spec.database equal but for the fixable fields. */
function databaseFixable(old: any, self: any): boolean {
  if (!failedAt(old, FIXABLE_WHEN_FAILED_AT.prepareSwitches)) return false;
  const [a, b] = [self.spec.database, old.spec.database];
  if (has(a, 'managed') !== has(b, 'managed') || has(a, 'existing') !== has(b, 'existing')) return false;
  if (has(a, 'managed') && !celEquals(a.managed, b.managed)) return false;
  if (has(a, 'existing')) {
    const same = (f: string) => celEquals(a.existing[f], b.existing[f]);
    if (!['connectString', 'adminCredentialsSecret', 'stagingPath'].every(same)) return false;
    if (!same('stagingClaimName') && !failedAt(old, FIXABLE_WHEN_FAILED_AT.stagingClaim)) return false;
  }
  return (
    celEquals(a.schemaPasswordSecret, b.schemaPasswordSecret) && celEquals(a.directoryName, b.directoryName)
  );
}

const existsOne = (list: any[], pred: (b: any) => boolean) => list.filter(pred).length === 1;

// Mirrors defaultNameTaken() in crd.ts: an override equal to another entry's default name is only
// fine when that entry overrides its own name.
const defaultNameTaken =
  (field: 'schema' | 'tablespace', base: string, sep: string): CelImpl =>
  (self: any[]) =>
    self.every((b) => {
      if (!has(b, field)) return true;
      if (b[field] === base) return has(self[0], field);
      if (!new RegExp(`^${base}${sep}[1-9][0-9]?$`).test(b[field])) return true;
      const n = Number(String(b[field]).slice(base.length + sep.length));
      return n < 2 || n > self.length || has(self[n - 1], field);
    });

const notBelowMinimum =
  (field: 'stagingSize' | 'databaseSize'): CelImpl =>
  (self) =>
    !has(self, field) ||
    !isQuantity(self[field]) ||
    !isQuantity(self.minimumSize) ||
    parseQuantity(self[field]) >= parseQuantity(self.minimumSize);

const durationWithin =
  ([min, max]: readonly [string, string]): CelImpl =>
  (self: string) =>
    !isDuration(self) ||
    (parseDurationSeconds(self) >= parseDurationSeconds(min) &&
      parseDurationSeconds(self) <= parseDurationSeconds(max));

export const CEL_IMPLEMENTATIONS: Record<RuleName, CelImpl> = {
  name: (self) => {
    const name = String(self.metadata?.name ?? '');
    return name.length <= MAX_NAME_LENGTH && new RegExp(NAME_PATTERN).test(name);
  },
  immutableCustomerId: immutable('customerId'),
  immutableInstitutions: immutable('institutions'),
  immutableSource: immutable('source', undefined, (old) => failedAt(old, FIXABLE_WHEN_FAILED_AT.source)),
  immutableDatabase: immutable('database', undefined, databaseFixable),
  immutableStorage: immutable('storage'),
  immutableImport: immutable('import', ['engine', 'tableExistsAction']),
  impdpImage: (self) =>
    self.import.engine !== 'impdp' || has(self.database, 'managed') || has(self.import, 'impdpImage'),
  fetchDeadline: (self) =>
    !isDuration(self.source.sftp.waitForDelivery) ||
    parseDurationSeconds(self.source.sftp.waitForDelivery) < self.steps.fetchDeadlineSeconds,
  uniqueInstitutionIds: (self: any[]) =>
    self.every((a) => existsOne(self, (b) => b.institutionId === a.institutionId)),
  uniqueSchemas: (self: any[]) =>
    self.every((a) => !has(a, 'schema') || existsOne(self, (b) => has(b, 'schema') && b.schema === a.schema)),
  uniqueTablespaces: (self: any[]) =>
    self.every(
      (a) =>
        !has(a, 'tablespace') ||
        existsOne(self, (b) => has(b, 'tablespace') && b.tablespace === a.tablespace),
    ),
  defaultSchemaTaken: defaultNameTaken('schema', 'EXL_ADMIN', '_'),
  defaultTablespaceTaken: defaultNameTaken('tablespace', 'USERS', ''),
  reservedSchema: (self) => !isReservedSchemaName(self),
  reservedTablespace: (self) => !isReservedTablespaceName(self),
  connectStringCredentials: (self) => !String(self.connectString).includes('@'),
  connectStringCharacters: (self) => new RegExp(PATTERNS.connectString).test(String(self.connectString)),
  stagingPathShape: (self: string) =>
    new RegExp(PATTERNS.stagingPath).test(self) && !/(^|\/)[.][.]?(\/|$)/.test(self),
  stagingPathSystem: (self: string) =>
    !/^\/(etc|proc|sys|dev|bin|sbin|lib|lib64|usr|boot|root|run)(\/|$)/.test(self),
  // eslint-disable-next-line no-control-regex -- the rule is about control characters.
  noControlCharacters: (self: string) => !/[\x00-\x1f\x7f]/.test(self),
  storageBounds: (self: string) =>
    !isQuantity(self) ||
    (parseQuantity(self) >= parseQuantity(BOUNDS.storage[0]) &&
      parseQuantity(self) <= parseQuantity(BOUNDS.storage[1])),
  positiveQuantity: (self: string) => !isQuantity(self) || parseQuantity(self) > 0,
  requestsWithinLimits: (self) =>
    ['memory', 'cpu'].every(
      (r) =>
        !has(self, 'requests') ||
        !has(self, 'limits') ||
        !has(self.requests, r) ||
        !has(self.limits, r) ||
        !isQuantity(self.requests[r]) ||
        !isQuantity(self.limits[r]) ||
        parseQuantity(self.requests[r]) <= parseQuantity(self.limits[r]),
    ),
  alertRatioRange: (self: number) => self >= BOUNDS.alertRatio[0] && self <= BOUNDS.alertRatio[1],
  stagingFractionRange: (self: number) =>
    self >= BOUNDS.stagingFraction[0] && self <= BOUNDS.stagingFraction[1],
  guardInterval: durationWithin(BOUNDS.guardInterval),
  stableFor: durationWithin(BOUNDS.stableFor),
  exactlyOneDatabase: (self) => has(self, 'managed') !== has(self, 'existing'),
  memoryLimit: (self) =>
    has(self, 'resources') && has(self.resources, 'limits') && has(self.resources.limits, 'memory'),
  memoryMinimum: (self) =>
    !has(self, 'resources') ||
    !has(self.resources, 'limits') ||
    !has(self.resources.limits, 'memory') ||
    !isQuantity(self.resources.limits.memory) ||
    parseQuantity(self.resources.limits.memory) >= 2 * 2 ** 30,
  stagingAboveMinimum: notBelowMinimum('stagingSize'),
  databaseAboveMinimum: notBelowMinimum('databaseSize'),
  parallelism: (self) => (typeof self === 'string' ? self === 'auto' : self >= 1 && self <= 64),
  cancelIsFinal: (self, old) => self || !old,
};

const RULE_NAMES = new Map<CelRule, RuleName>(
  (Object.entries(RULES) as [RuleName, CelRule][]).map(([name, rule]) => [rule, name]),
);

/** messageExpression, evaluated: only the immutability rules have one (fieldPath .spec.<field>). */
function celMessage(rule: CelRule, old: any): string {
  if (rule.message) return rule.message;
  const field = rule.fieldPath!.slice('.spec.'.length) as ImmutableField;
  return immutableMessage(field, String(old?.status?.phase));
}

const isScalarSchema = (s: Schema) =>
  s['x-kubernetes-int-or-string'] || (s.type !== undefined && s.type !== 'object' && s.type !== 'array');

function celError(rule: CelRule, path: string, schema: Schema, self: unknown, old: unknown): FieldError {
  const field = rule.fieldPath ? rule.fieldPath.slice(1).split('.').reduce(joinPath, path) : path || '<nil>';
  const message = celMessage(rule, old);
  switch (rule.reason) {
    case 'FieldValueRequired':
      return { reason: 'FieldValueRequired', field, message: `Required value: ${message}` };
    case 'FieldValueForbidden':
      return { reason: 'FieldValueForbidden', field, message: `Forbidden: ${message}` };
    default: {
      const shown = isScalarSchema(schema) && !rule.fieldPath ? `${goValue(self)}: ` : '';
      return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${shown}${message}` };
    }
  }
}

/** Evaluates the CEL rules of a defaulted object, node before children, as the API server does. */
function celErrors(value: any, old: any, schema: Schema, path: string, hasOld: boolean): FieldError[] {
  const errs: FieldError[] = [];
  for (const rule of schema['x-kubernetes-validations'] ?? []) {
    const name = RULE_NAMES.get(rule);
    if (!name) throw new Error(`CEL rule without an implementation: ${rule.rule}`);
    const transition = rule.rule.includes('oldSelf');
    if (transition && !hasOld) continue;
    if (!CEL_IMPLEMENTATIONS[name](value, old)) errs.push(celError(rule, path, schema, value, old));
  }
  if (Array.isArray(value) && schema.items)
    value.forEach((item, i) =>
      errs.push(...celErrors(item, undefined, schema.items!, joinPath(path, i), false)),
    );
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && schema.properties)
    for (const [k, sub] of Object.entries(schema.properties)) {
      if (value[k] === undefined || k === 'metadata' || k === 'status') continue;
      const oldHere = hasOld && old && old[k] !== undefined;
      errs.push(...celErrors(value[k], oldHere ? old[k] : undefined, sub, joinPath(path, k), !!oldHere));
    }
  return errs;
}

export type ValidationResult =
  | { ok: true; defaulted: AlmaRestore }
  | {
      ok: false;
      /** 400 BadRequest (undecodable: wrong kind, unknown fields) or 422 Invalid. */
      code: 400 | 422;
      /** The API server's Status.message. */
      message: string;
      /** Status.details.causes (empty for 400). */
      causes: FieldError[];
    };

/** Validates a manifest for create (old absent) or update (old = the stored object, status included). */
export function validateAlmaRestore(manifest: unknown, old?: unknown): ValidationResult {
  const obj = manifest as any;
  if (typeof obj !== 'object' || obj === null || obj.apiVersion !== API_VERSION || obj.kind !== KIND)
    return {
      ok: false,
      code: 400,
      message: `expected apiVersion ${API_VERSION} and kind ${KIND}, got ${goValue(obj?.apiVersion)} / ${goValue(obj?.kind)}`,
      causes: [],
    };
  const { status: _status, ...withoutStatus } = obj;
  const { metadata: _metadata, ...rest } = withoutStatus;
  const unknown = unknownFields(rest, openAPIV3Schema);
  if (unknown.length > 0)
    return {
      ok: false,
      code: 400,
      message: `${KIND} in version "${VERSION}" cannot be handled as a ${KIND}: strict decoding error: ${unknown
        .map((f) => `unknown field "${f}"`)
        .join(', ')}`,
      causes: [],
    };

  const defaulted = applyDefaults(withoutStatus, openAPIV3Schema) as any;
  // As the API server does before validating: a generateName-only object gets its name.
  const name = effectiveName(obj.metadata);
  if (name !== '' && defaulted.metadata?.name !== name) defaulted.metadata = { ...defaulted.metadata, name };
  const oldDefaulted = old === undefined ? undefined : (applyDefaults(old, openAPIV3Schema) as any);
  const causes = [...metadataErrors(obj.metadata), ...validateSchema(defaulted, openAPIV3Schema, '')];
  if (blocksCel(causes)) causes.push(CEL_SKIPPED);
  else causes.push(...celErrors(defaulted, oldDefaulted, openAPIV3Schema, '', oldDefaulted !== undefined));

  if (causes.length === 0) return { ok: true, defaulted: defaulted as AlmaRestore };
  const list = causes.map(formatFieldError);
  return {
    ok: false,
    code: 422,
    message: `${KIND}.${GROUP} ${JSON.stringify(name)} is invalid: ${list.length === 1 ? list[0] : `[${list.join(', ')}]`}`,
    causes,
  };
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** A Secret the restore reads, and what it must hold; the controller checks these at Planning. */
export interface SecretRequirement {
  name: string;
  purpose: 'sftp' | 'db-admin' | 'schema' | 'webhook';
  /** Problems with the Secret's keys, as sentences; empty when fine. */
  check(keys: readonly string[]): string[];
}

export function secretRequirements(spec: AlmaRestoreSpec): SecretRequirement[] {
  const need =
    (name: string, required: string[], extra?: (keys: readonly string[]) => string[]) =>
    (keys: readonly string[]) => [
      ...required.filter((k) => !keys.includes(k)).map((k) => `Secret ${name} has no key "${k}"`),
      ...(extra?.(keys) ?? []),
    ];
  const sftp = spec.source.sftp;
  const out: SecretRequirement[] = [
    {
      name: sftp.credentialsSecret,
      purpose: 'sftp',
      check: need(sftp.credentialsSecret, ['username'], (keys) => [
        ...(!keys.includes('password') && !keys.includes('privateKey')
          ? [`Secret ${sftp.credentialsSecret} needs a key "password" or "privateKey" for the SFTP login`]
          : []),
        ...(!keys.includes('knownHosts') && !sftp.insecureSkipHostKeyVerification
          ? [
              `Secret ${sftp.credentialsSecret} has no key "knownHosts": add the SFTP server's host key (ssh-keyscan ${sftp.host}, then check its fingerprint with the server's owner); insecureSkipHostKeyVerification is the unsafe alternative`,
            ]
          : []),
      ]),
    },
  ];
  const db = spec.database;
  if (db.managed)
    out.push({
      name: db.managed.adminPasswordSecret,
      purpose: 'db-admin',
      check: need(db.managed.adminPasswordSecret, ['password']),
    });
  if (db.existing)
    out.push({
      name: db.existing.adminCredentialsSecret,
      purpose: 'db-admin',
      check: need(db.existing.adminCredentialsSecret, ['username', 'password']),
    });
  out.push({
    name: db.schemaPasswordSecret,
    purpose: 'schema',
    check: need(db.schemaPasswordSecret, ['password']),
  });
  const webhook = spec.import?.postImport?.webhookSecret;
  if (webhook) out.push({ name: webhook, purpose: 'webhook', check: need(webhook, ['url']) });
  return out;
}
