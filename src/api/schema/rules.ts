// The CEL rules of the AlmaRestore CRD, by name, and the patterns and bounds they share with the
// offline validator (validation.ts implements every rule in RULES; the compiler checks that) and
// the docs. The schema modules beside this one attach each rule to its field. Data only.
import {
  RESERVED_SCHEMA_NAMES,
  SYSTEM_TABLESPACES,
  UNDO_TEMP_TABLESPACE_PATTERN,
} from '../../oracle/oracle-maintained.js';
import type { CelRule } from '../schema-helpers.js';

// Patterns shared with validation and docs.
export const PATTERNS = {
  digits: '^[0-9]{1,20}$',
  k8sName: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
  // No $ or #: Oracle "strongly discourages" them in names, # starts a comment in a parfile and $
  // is special in every shell a DBA pastes the name into.
  oracleName: '^[A-Z][A-Z0-9_]*$',
  storageQuantity: '^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$',
  resourceQuantity: '^[0-9]+(\\.[0-9]+)?(m|Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$',
  // h, m, s in this order, each at most once and of at most 6 digits: CEL's duration() (int64
  // nanoseconds) cannot overflow, so the rules below never fail to evaluate.
  duration: '^([0-9]{1,6}h([0-9]{1,6}m)?([0-9]{1,6}s)?|[0-9]{1,6}m([0-9]{1,6}s)?|[0-9]{1,6}s)$',
  oraCode: '^ORA-[0-9]{5}$',
  image: '^[^\\s]+$',
  host: '^[A-Za-z0-9]([A-Za-z0-9.:-]*[A-Za-z0-9])?$',
  connectString: '^[A-Za-z0-9._:/?=&,()\\[\\]@-]+$',
  stagingPath: '^(/[A-Za-z0-9._-]+)+$',
  sid: '^[A-Za-z][A-Za-z0-9]{0,11}$',
  pdb: '^[A-Za-z][A-Za-z0-9_]{0,29}$',
} as const;

export const MAX_INSTITUTIONS = 50;
export const MAX_NAME_LENGTH = 40;
/** A DNS label that starts with a letter: children are named `<name>-...`. */
export const NAME_PATTERN = '^[a-z]([-a-z0-9]*[a-z0-9])?$';

/** Bounds of the CEL rules below, shared with validation.ts. */
export const BOUNDS = {
  alertRatio: [0.5, 0.99],
  stagingFraction: [0.1, 0.9],
  storage: ['1Gi', '1Pi'],
  guardInterval: ['1s', '24h'],
  stableFor: ['1s', '24h'],
} as const;

/** Fields that cannot change once a restore has started (of import: engine and tableExistsAction). */
export const IMMUTABLE_AFTER_START = [
  'customerId',
  'institutions',
  'source',
  'database',
  'storage',
  'import',
] as const;
export type ImmutableField = (typeof IMMUTABLE_AFTER_START)[number];

/** Phases before the start: the whole spec may change (Planning waits for what the spec names). */
export const NOT_STARTED_PHASES = ['Pending', 'Queued', 'Planning'] as const;

/**
 * Mistakes that surface in a step may be fixed while the restore is Failed at that step or an
 * earlier one: the fields only those steps use (status.failedStep values). Then the retry
 * annotation resumes with them.
 */
export const FIXABLE_WHEN_FAILED_AT = {
  /** source.sftp: only the fetch step reads it. */
  source: ['plan', 'provision', 'fetch'],
  /** database.existing.stagingClaimName: provisioning checks it, fetch writes onto it. */
  stagingClaim: ['plan', 'provision', 'fetch'],
  /** database.replaceExistingSchema and database.existing.allowRedoLogChanges: only prepare acts on them. */
  prepareSwitches: ['plan', 'provision', 'fetch', 'prepare'],
} as const;

/** What may still change, said in the refusal itself. */
export const IMMUTABLE_HINTS: Record<ImmutableField, string> = {
  customerId: '',
  institutions: '',
  source:
    '; it may change while the restore is Failed at provision or fetch (status.failedStep), then set the almarestore.io/retry annotation',
  database:
    '; while the restore is Failed at provision or fetch, database.existing.stagingClaimName may change, and up to a failed prepare database.replaceExistingSchema and database.existing.allowRedoLogChanges may (then set the almarestore.io/retry annotation)',
  storage: '',
  import: '',
};

/** The refusal message of an immutable field; `phase` is a CEL expression in the CRD. */
export const immutableMessage = (field: ImmutableField, phase: string) =>
  `cannot change once the restore has started (phase ${phase})${IMMUTABLE_HINTS[field]}; create a new AlmaRestore to restore with other settings`;

const quoted = (xs: readonly string[]) => xs.map((x) => `'${x}'`).join(', ');

// "Started" = the controller has left Pending/Queued/Planning. Suspending before the start does
// not count (the controller sets status.startTime when it leaves Planning or Queued).
const STARTED =
  `has(oldSelf.status) && has(oldSelf.status.phase) && !(oldSelf.status.phase in [${quoted(NOT_STARTED_PHASES)}]) && ` +
  "!(oldSelf.status.phase == 'Suspended' && !has(oldSelf.status.startTime))";

/** The stored restore is Failed at one of `steps` (evaluated only after STARTED held). */
const failedAt = (steps: readonly string[]) =>
  `(oldSelf.status.phase == 'Failed' && has(oldSelf.status.failedStep) && oldSelf.status.failedStep in [${quoted(steps)}])`;

// `import` is a CEL reserved word: Kubernetes exposes such properties as __import__ in rules.
const celName = (field: string) => (field === 'import' ? '__import__' : field);

const immutable = (field: ImmutableField, subfields?: string[], fixable?: string): CelRule => ({
  rule: `!(${STARTED}) || ${fixable ? `${fixable} || ` : ''}${(subfields ?? [''])
    .map((sub) => `spec.${celName(field)}${sub && '.' + sub}`)
    .map((p) => `self.${p} == oldSelf.${p}`)
    .join(' && ')}`,
  messageExpression: `'${immutableMessage(field, "' + oldSelf.status.phase + '")}'`,
  fieldPath: `.spec.${field}`,
  reason: 'FieldValueForbidden',
});

// spec.database, but for the fields a failed restore may fix (FIXABLE_WHEN_FAILED_AT).
const db = (side: 'self' | 'oldSelf', path = '') => `${side}.spec.database${path}`;
const sameDb = (path: string) => `${db('self', path)} == ${db('oldSelf', path)}`;
const has2 = (path: string) => `has(${db('self', path)}) == has(${db('oldSelf', path)})`;
const DATABASE_FIXED_PART = [
  has2('.managed'),
  `(!has(${db('self', '.managed')}) || ${sameDb('.managed')})`,
  has2('.existing'),
  `(!has(${db('self', '.existing')}) || (${['connectString', 'adminCredentialsSecret', 'stagingPath']
    .map((f) => sameDb(`.existing.${f}`))
    .join(
      ' && ',
    )} && (${sameDb('.existing.stagingClaimName')} || ${failedAt(FIXABLE_WHEN_FAILED_AT.stagingClaim)})))`,
  sameDb('.schemaPasswordSecret'),
  sameDb('.directoryName'),
].join(' && ');

const defaultNameTaken = (field: 'schema' | 'tablespace', base: string, sep: string): string => {
  const n = `int(b.${field}.substring(${base.length + sep.length}))`;
  return (
    `self.all(b, !has(b.${field}) || (b.${field} == '${base}' ? has(self[0].${field}) : ` +
    `(!b.${field}.matches('^${base}${sep}[1-9][0-9]?$') || ${n} < 2 || ${n} > self.size() || ` +
    `has(self[${n} - 1].${field}))))`
  );
};

/** Every CEL rule of the CRD, by name. validation.ts implements each. */
export const RULES = {
  name: {
    rule: `self.metadata.name.size() <= ${MAX_NAME_LENGTH} && self.metadata.name.matches('${NAME_PATTERN}')`,
    message: `metadata.name must be at most ${MAX_NAME_LENGTH} characters of lower-case letters, digits and '-', starting with a letter: child resources are named after it (<name>-db, <name>-import-1, ...)`,
    // No fieldPath: the API server refuses paths into metadata, so this error is reported at <nil>.
  },
  immutableCustomerId: immutable('customerId'),
  immutableInstitutions: immutable('institutions'),
  immutableSource: immutable('source', undefined, failedAt(FIXABLE_WHEN_FAILED_AT.source)),
  immutableDatabase: immutable(
    'database',
    undefined,
    `(${failedAt(FIXABLE_WHEN_FAILED_AT.prepareSwitches)} && ${DATABASE_FIXED_PART})`,
  ),
  immutableStorage: immutable('storage'),
  // Parallelism may change (Data Pump applies a new PARALLEL on attach), and an int-or-string
  // cannot be compared within the CEL cost budget anyway; postImport switches apply later.
  immutableImport: immutable('import', ['engine', 'tableExistsAction']),
  impdpImage: {
    rule: "self.__import__.engine != 'impdp' || has(self.database.managed) || has(self.__import__.impdpImage)",
    message:
      'import.engine impdp with database.existing needs import.impdpImage, an image that has the impdp client (for example your Oracle database image)',
    fieldPath: '.import.impdpImage',
    reason: 'FieldValueRequired',
  },
  fetchDeadline: {
    rule:
      `!self.source.sftp.waitForDelivery.matches('${PATTERNS.duration}') || ` +
      'duration(self.source.sftp.waitForDelivery).getSeconds() < self.steps.fetchDeadlineSeconds',
    message:
      'must be longer than source.sftp.waitForDelivery: the fetch Job first waits for the delivery, then downloads it',
    fieldPath: '.steps.fetchDeadlineSeconds',
  },
  uniqueInstitutionIds: {
    rule: 'self.all(a, self.exists_one(b, b.institutionId == a.institutionId))',
    message: 'institutionId values must be unique: list each institution once',
  },
  uniqueSchemas: {
    rule: 'self.all(a, !has(a.schema) || self.exists_one(b, has(b.schema) && b.schema == a.schema))',
    message: 'schema overrides must be unique: each institution needs its own schema user',
  },
  uniqueTablespaces: {
    rule: 'self.all(a, !has(a.tablespace) || self.exists_one(b, has(b.tablespace) && b.tablespace == a.tablespace))',
    message: 'tablespace overrides must be unique: each institution needs its own tablespace',
  },
  defaultSchemaTaken: {
    rule: defaultNameTaken('schema', 'EXL_ADMIN', '_'),
    message:
      "a schema override uses another institution's default name (EXL_ADMIN for the first, EXL_ADMIN_<n> for the n-th): choose another name, or override that institution's schema too",
  },
  defaultTablespaceTaken: {
    rule: defaultNameTaken('tablespace', 'USERS', ''),
    message:
      "a tablespace override uses another institution's default name (USERS for the first, USERS<n> for the n-th): choose another name, or override that institution's tablespace too",
  },
  reservedSchema: {
    rule: `!(self in [${quoted(RESERVED_SCHEMA_NAMES)}])`,
    message:
      'must not be an account or role that Oracle maintains (SYS, SYSTEM, SYSBACKUP, OLAPSYS, DBA, ...; the prepare step also asks the database): use your own, e.g. EXL_ADMIN',
  },
  reservedTablespace: {
    rule: `!(self in [${quoted(SYSTEM_TABLESPACES)}]) && !self.matches('${UNDO_TEMP_TABLESPACE_PATTERN}')`,
    message:
      'must not be a system, undo or temporary tablespace (SYSTEM, SYSAUX, UNDOTBS1, UNDOTBS2, TEMP, ...): use your own, e.g. USERS',
  },
  // On the parent with a fieldPath, so that the API server's message does not repeat the value
  // (which may hold a password) as it does for a rule on the string itself.
  connectStringCredentials: {
    rule: "!self.connectString.contains('@')",
    fieldPath: '.connectString',
    message:
      'must not hold a user name or password (user/password@...): put them in the Secret named by adminCredentialsSecret (keys "username" and "password") and give only the service here, e.g. db.example.edu:1521/ALMAPDB',
  },
  connectStringCharacters: {
    rule: `self.connectString.matches('${PATTERNS.connectString.replace(/\\/g, '\\\\')}')`,
    fieldPath: '.connectString',
    message:
      'must be an Easy Connect string such as db.example.edu:1521/ALMAPDB: letters, digits and . _ - : / ? = & , ( ) [ ] only; no spaces, quotes, $ or backticks',
  },
  stagingPathShape: {
    rule: `self.matches('${PATTERNS.stagingPath}') && !self.matches('(^|/)[.][.]?(/|$)')`,
    message:
      "must be an absolute directory path such as /exlibris/import: letters, digits, '.', '_' and '-' between single slashes, no '.' or '..' component, no trailing slash, not / itself (the Oracle directory objects point there)",
  },
  stagingPathSystem: {
    rule: "!self.matches('^/(etc|proc|sys|dev|bin|sbin|lib|lib64|usr|boot|root|run)(/|$)')",
    message:
      'must not be in an operating system directory (/etc, /proc, /sys, /dev, /usr, ...): the database server writes the dump files and import logs there',
  },
  noControlCharacters: {
    rule: "!self.matches('[\\\\x00-\\\\x1f\\\\x7f]')",
    message: 'must not contain control characters such as a newline',
  },
  storageBounds: {
    rule:
      '!isQuantity(self) || ' +
      `(quantity(self).compareTo(quantity('${BOUNDS.storage[0]}')) >= 0 && quantity(self).compareTo(quantity('${BOUNDS.storage[1]}')) <= 0)`,
    message: `must be from ${BOUNDS.storage[0]} to ${BOUNDS.storage[1]}: a volume of size 0 (or of a few bytes) cannot hold a restore`,
  },
  positiveQuantity: {
    rule: "!isQuantity(self) || quantity(self).isGreaterThan(quantity('0'))",
    message: 'must be greater than zero: leave it out rather than set it to 0',
  },
  requestsWithinLimits: {
    rule: ['memory', 'cpu']
      .map(
        (r) =>
          `(!has(self.requests) || !has(self.limits) || !has(self.requests.${r}) || !has(self.limits.${r}) || ` +
          `!isQuantity(self.requests.${r}) || !isQuantity(self.limits.${r}) || ` +
          `quantity(self.requests.${r}).compareTo(quantity(self.limits.${r})) <= 0)`,
      )
      .join(' && '),
    message:
      'requests must not exceed limits (memory and cpu): Kubernetes refuses such a pod, so the database would never start',
  },
  alertRatioRange: {
    // A range on a number field is a CEL rule, not minimum/maximum: kube-openapi compares an
    // integer value with int64(minimum), so `alertRatio: 0` would pass a minimum of 0.5.
    rule: `self >= ${BOUNDS.alertRatio[0]} && self <= ${BOUNDS.alertRatio[1]}`,
    message: `must be from ${BOUNDS.alertRatio[0]} to ${BOUNDS.alertRatio[1]}: the fill ratio at which the guard acts (0.85 = at 85% full, as the vendor asks)`,
  },
  stagingFractionRange: {
    rule: `self >= ${BOUNDS.stagingFraction[0]} && self <= ${BOUNDS.stagingFraction[1]}`,
    message: `must be from ${BOUNDS.stagingFraction[0]} to ${BOUNDS.stagingFraction[1]}: the staging volume's share of the total (0.47 = 70 of 150 GiB)`,
  },
  guardInterval: {
    rule: `!self.matches('${PATTERNS.duration}') || (duration(self) >= duration('${BOUNDS.guardInterval[0]}') && duration(self) <= duration('${BOUNDS.guardInterval[1]}'))`,
    message: `must be from ${BOUNDS.guardInterval[0]} to ${BOUNDS.guardInterval[1]}: how often the guard queries the database (0s would query it without pause)`,
  },
  stableFor: {
    rule: `!self.matches('${PATTERNS.duration}') || (duration(self) >= duration('${BOUNDS.stableFor[0]}') && duration(self) <= duration('${BOUNDS.stableFor[1]}'))`,
    message: `must be from ${BOUNDS.stableFor[0]} to ${BOUNDS.stableFor[1]}: with 0s a file still being uploaded would count as complete`,
  },
  exactlyOneDatabase: {
    rule: 'has(self.managed) != has(self.existing)',
    message:
      'set exactly one of database.managed (the operator creates an Oracle 19c database) or database.existing (use a database you run)',
  },
  memoryLimit: {
    rule: 'has(self.resources) && has(self.resources.limits) && has(self.resources.limits.memory)',
    message:
      "database.managed.resources.limits.memory is required: without a memory limit Oracle's DBCA may size the database's memory to nothing",
  },
  memoryMinimum: {
    rule:
      '!has(self.resources) || !has(self.resources.limits) || !has(self.resources.limits.memory) || ' +
      "!isQuantity(self.resources.limits.memory) || quantity(self.resources.limits.memory).compareTo(quantity('2Gi')) >= 0",
    message:
      'database.managed.resources.limits.memory must be at least 2Gi: Oracle 19c does not start with less',
  },
  stagingAboveMinimum: {
    rule:
      '!has(self.stagingSize) || !isQuantity(self.stagingSize) || !isQuantity(self.minimumSize) || ' +
      'quantity(self.stagingSize).compareTo(quantity(self.minimumSize)) >= 0',
    message: 'must not be smaller than storage.minimumSize',
    fieldPath: '.stagingSize',
  },
  databaseAboveMinimum: {
    rule:
      '!has(self.databaseSize) || !isQuantity(self.databaseSize) || !isQuantity(self.minimumSize) || ' +
      'quantity(self.databaseSize).compareTo(quantity(self.minimumSize)) >= 0',
    message: 'must not be smaller than storage.minimumSize',
    fieldPath: '.databaseSize',
  },
  parallelism: {
    rule: "type(self) == string ? self == 'auto' : (self >= 1 && self <= 64)",
    message: 'must be "auto" (one worker per dump file) or a whole number from 1 to 64',
  },
  cancelIsFinal: {
    rule: 'self || !oldSelf',
    message:
      'cannot be undone: a cancelled restore stays cancelled; create a new AlmaRestore to restore again',
  },
} satisfies Record<string, CelRule>;

export type RuleName = keyof typeof RULES;
