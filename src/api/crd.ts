// The AlmaRestore CustomResourceDefinition, as data. crds/almarestore.io_almarestores.yaml is
// generated from this module (`npx tsx src/api/write-crd.ts`; a unit test fails when it is stale),
// and the offline validator (validation.ts) walks the same schema, so `alma-restore plan` and
// the API server cannot disagree about the structural rules. Every CEL rule is named in RULES;
// validation.ts must implement each one (the compiler checks that).
import YAML from 'yaml';
import { API_VERSION, GROUP, KIND, PHASES, PLURAL, VERSION } from './types.js';
import {
  RESERVED_SCHEMA_NAMES,
  SYSTEM_TABLESPACES,
  UNDO_TEMP_TABLESPACE_PATTERN,
} from '../oracle/oracle-maintained.js';
import { arr, bool, int, num, obj, str, type CelRule, type Schema } from './schema-helpers.js';

export const CRD_NAME = `${PLURAL}.${GROUP}`;
export const SHORT_NAME = 'almar';
export const CATEGORY = 'alma';

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

const quoted = (xs: readonly string[]) => xs.map((x) => `'${x}'`).join(', ');

// "Started" = the controller has left Pending/Queued. Suspending before the start does not count
// (the controller sets status.startTime when it leaves Pending or Queued).
const STARTED =
  "has(oldSelf.status) && has(oldSelf.status.phase) && !(oldSelf.status.phase in ['Pending', 'Queued']) && " +
  "!(oldSelf.status.phase == 'Suspended' && !has(oldSelf.status.startTime))";

// `import` is a CEL reserved word: Kubernetes exposes such properties as __import__ in rules.
const celName = (field: string) => (field === 'import' ? '__import__' : field);

const immutable = (field: (typeof IMMUTABLE_AFTER_START)[number], subfields?: string[]): CelRule => ({
  rule: `!(${STARTED}) || ${(subfields ?? [''])
    .map((sub) => `spec.${celName(field)}${sub && '.' + sub}`)
    .map((p) => `self.${p} == oldSelf.${p}`)
    .join(' && ')}`,
  messageExpression:
    "'cannot change once the restore has started (phase ' + oldSelf.status.phase + '); create a new AlmaRestore to restore with other settings'",
  fieldPath: `.spec.${field}`,
  reason: 'FieldValueForbidden',
});

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
  immutableSource: immutable('source'),
  immutableDatabase: immutable('database'),
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

const secretName = (what: string) =>
  str(`Name of a Secret in the AlmaRestore's namespace: ${what}`, {
    pattern: PATTERNS.k8sName,
    maxLength: 253,
  });
const duration = (what: string, dflt: string) =>
  str(
    `${what} A duration of hours, minutes and seconds such as "24h", "1h30m" or "90s". Default "${dflt}".`,
    {
      pattern: PATTERNS.duration,
      maxLength: 32,
      default: dflt,
    },
  );
const storageQuantity = (what: string, extra: Record<string, unknown> = {}) =>
  str(`${what} A Kubernetes quantity such as "200Gi" or "1.5Ti", from 1Gi to 1Pi.`, {
    pattern: PATTERNS.storageQuantity,
    maxLength: 32,
    'x-kubernetes-validations': [RULES.storageBounds],
    ...extra,
  });
const resourceList = (what: string) =>
  obj(what, {
    cpu: str('CPU, a Kubernetes quantity such as "2" or "500m".', {
      pattern: PATTERNS.resourceQuantity,
      maxLength: 32,
      'x-kubernetes-validations': [RULES.positiveQuantity],
    }),
    memory: str('Memory, a Kubernetes quantity such as "8Gi".', {
      pattern: PATTERNS.resourceQuantity,
      maxLength: 32,
      'x-kubernetes-validations': [RULES.positiveQuantity],
    }),
  });
const deadline = (step: string, dflt: number, why: string) =>
  int(`Deadline of the ${step} Job (activeDeadlineSeconds), in seconds. Default ${dflt} (${why}).`, {
    minimum: 60,
    maximum: 1_209_600,
    default: dflt,
  });

const institution = obj(
  'One Alma institution of the delivery: one schema user and one tablespace in the database.',
  {
    institutionId: str('Alma institution id, digits only (the "3978" of local_backup_final_3975_3978).', {
      pattern: PATTERNS.digits,
      maxLength: 20,
    }),
    bibRecords: int(
      'Number of bibliographic records of this institution. It sizes everything: about 150 GiB of disk per million records.',
      { minimum: 1, maximum: 1_000_000_000 },
    ),
    schema: str(
      'Schema user the data is imported into (REMAP_SCHEMA target). Default EXL_ADMIN for the first institution, EXL_ADMIN_2, EXL_ADMIN_3, ... for the next ones, as the vendor advises. Upper case.',
      { pattern: PATTERNS.oracleName, maxLength: 128, 'x-kubernetes-validations': [RULES.reservedSchema] },
    ),
    tablespace: str(
      'Tablespace the data is imported into (REMAP_TABLESPACE target). Default USERS for the first institution, USERS2, USERS3, ... for the next ones. Upper case, at most 30 characters.',
      { pattern: PATTERNS.oracleName, maxLength: 30, 'x-kubernetes-validations': [RULES.reservedTablespace] },
    ),
  },
  { required: ['institutionId', 'bibRecords'] },
);

const sftp = obj(
  "The institution's SFTP drop-point where Ex Libris delivers the backup (local_backup_final_*.tar.gz.* parts and alma_localbackup_customer.zip).",
  {
    host: str('Host name or IP address of the SFTP server.', {
      pattern: PATTERNS.host,
      maxLength: 253,
    }),
    port: int('TCP port of the SFTP server. Default 22.', { minimum: 1, maximum: 65535, default: 22 }),
    directory: str(
      'Directory on the SFTP server that holds the delivery. Default "." (the login directory).',
      {
        minLength: 1,
        maxLength: 1024,
        default: '.',
        'x-kubernetes-validations': [RULES.noControlCharacters],
      },
    ),
    credentialsSecret: secretName(
      'keys "username", and "password" or "privateKey" (plus "passphrase" if the key is encrypted), and "knownHosts" (the server\'s host key lines, as in ~/.ssh/known_hosts).',
    ),
    insecureSkipHostKeyVerification: bool(
      "DANGER: accept any SFTP host key, so that anyone who can intercept the connection can serve a forged backup and read the credentials. Only for a first test; pin the server's key in the Secret's knownHosts instead. Default false.",
      { default: false },
    ),
    waitForDelivery: duration(
      'How long the fetch step waits for the delivery to appear and be complete before it fails.',
      '24h',
    ),
    stableFor: {
      ...duration(
        "How long a file's size must stay unchanged before it counts as completely uploaded, from 1s to 24h.",
        '2m',
      ),
      'x-kubernetes-validations': [RULES.stableFor],
    },
    mode: str(
      'stream (default): download, gunzip and untar in one pass, never storing the tarball; stage: keep the downloaded parts on the staging volume first (resumable download, needs more space).',
      { enum: ['stream', 'stage'], default: 'stream' },
    ),
  },
  { required: ['host', 'credentialsSecret'] },
);

const managed = obj(
  'The operator creates an Oracle Database 19c Enterprise Edition for this restore (a StatefulSet, a headless Service and a data volume), owned by the AlmaRestore.',
  {
    image: str(
      'Oracle Database 19c Enterprise Edition image, e.g. container-registry.oracle.com/database/enterprise:19.3.0.0 (needs your Oracle registry login and license acceptance) or one built from oracle/docker-images.',
      { pattern: PATTERNS.image, maxLength: 512 },
    ),
    imagePullSecrets: arr(
      'Names of docker-registry Secrets used to pull the image.',
      str('Name of a docker-registry Secret.', { pattern: PATTERNS.k8sName, maxLength: 253 }),
      { maxItems: 10 },
    ),
    storageClassName: str(
      'Storage class of the database volume. Default: storage.storageClassName, else the cluster default.',
      { pattern: PATTERNS.k8sName, maxLength: 253 },
    ),
    resources: obj(
      'CPU and memory of the database container. A memory limit of at least 2Gi is required. Default requests cpu 2 and memory 8Gi, limit memory 8Gi.',
      {
        requests: resourceList('Minimum resources, e.g. cpu: "2", memory: 8Gi. At most the limits.'),
        limits: resourceList('Maximum resources, e.g. memory: 8Gi.'),
      },
      {
        default: { requests: { cpu: '2', memory: '8Gi' }, limits: { memory: '8Gi' } },
        'x-kubernetes-validations': [RULES.requestsWithinLimits],
      },
    ),
    sid: str(
      'ORACLE_SID of the container database: a letter, then up to 11 letters or digits. Default ORCLCDB.',
      {
        pattern: PATTERNS.sid,
        maxLength: 12,
        default: 'ORCLCDB',
      },
    ),
    pdb: str(
      'Name of the pluggable database the data goes into (ORACLE_PDB): a letter, then up to 29 letters, digits or _. Default ORCLPDB1.',
      { pattern: PATTERNS.pdb, maxLength: 30, default: 'ORCLPDB1' },
    ),
    characterSet: str(
      'Database character set. Only AL32UTF8, the Unicode set Alma needs. (The national character set is the image default, AL16UTF16.)',
      { enum: ['AL32UTF8'], default: 'AL32UTF8' },
    ),
    adminPasswordSecret: secretName(
      'key "password", the password of SYS, SYSTEM and PDBADMIN (ORACLE_PWD). The steps connect as SYSTEM.',
    ),
  },
  {
    required: ['image', 'adminPasswordSecret'],
    'x-kubernetes-validations': [RULES.memoryLimit, RULES.memoryMinimum],
  },
);

const existing = obj(
  'An Oracle 19c Enterprise Edition database that you run. The operator connects to it and never deletes it.',
  {
    connectString: str(
      'Easy Connect string of the pluggable database service, e.g. db.example.edu:1521/ALMAPDB (not the container root). No user name or password: those are in adminCredentialsSecret.',
      { minLength: 1, maxLength: 1024 },
    ),
    adminCredentialsSecret: secretName(
      'keys "username" and "password" of an account that can create tablespaces, users and directories (not SYSDBA).',
    ),
    stagingClaimName: str(
      'PersistentVolumeClaim in this namespace that the database server also sees; the fetch step writes the dump files onto it.',
      { pattern: PATTERNS.k8sName, maxLength: 253 },
    ),
    stagingPath: str(
      'Absolute path at which the database server sees that volume, e.g. /exlibris/import; the Oracle directory objects point there. Letters, digits, ., _ and - between single slashes; no . or .. component; not / or an operating system directory.',
      {
        maxLength: 512,
        'x-kubernetes-validations': [RULES.stagingPathShape, RULES.stagingPathSystem],
      },
    ),
    allowRedoLogChanges: bool(
      'Let the prepare step add redo log groups (the vendor asks for 5 groups of at least 512M). Default false: it only reports.',
      { default: false },
    ),
  },
  {
    required: ['connectString', 'adminCredentialsSecret', 'stagingClaimName', 'stagingPath'],
    'x-kubernetes-validations': [RULES.connectStringCredentials, RULES.connectStringCharacters],
  },
);

const database = obj(
  'The target database: exactly one of managed or existing.',
  {
    managed,
    existing,
    schemaPasswordSecret: secretName(
      'key "password", the password given to the schema users (EXL_ADMIN, ...).',
    ),
    directoryName: str(
      "Base name of the Oracle directory objects; each institution gets <directoryName>_<institutionId>. Default EXP_DIR, the vendor's name.",
      { pattern: '^[A-Z][A-Z0-9_]*$', maxLength: 100, default: 'EXP_DIR' },
    ),
    replaceExistingSchema: bool(
      'Drop and recreate a schema user that already owns objects. Default false: the prepare step refuses, to protect an earlier restore.',
      { default: false },
    ),
  },
  { required: ['schemaPasswordSecret'], 'x-kubernetes-validations': [RULES.exactlyOneDatabase] },
);

const storage = obj(
  'Volume sizes. By default they follow the vendor: about 150 GiB per million bib records in total, split between the staging volume (the dump files, about 70 of the 150) and the database volume.',
  {
    storageClassName: str('Storage class of the volumes. Default: the cluster default.', {
      pattern: PATTERNS.k8sName,
      maxLength: 253,
    }),
    gibPerMillionBibs: num(
      'GiB of disk per million bib records, staging and database together. Default 150.',
      {
        minimum: 10,
        maximum: 10000,
        default: 150,
      },
    ),
    stagingFraction: num(
      'Share of that total that goes to the staging volume, from 0.1 to 0.9. Default 0.47 (70 of 150).',
      { default: 0.47, 'x-kubernetes-validations': [RULES.stagingFractionRange] },
    ),
    minimumSize: storageQuantity('Smallest size of each volume, whatever the bib count. Default "20Gi".', {
      default: '20Gi',
    }),
    stagingSize: storageQuantity('Explicit size of the staging volume; overrides the computed one.'),
    databaseSize: storageQuantity(
      'Explicit size of the managed database volume; overrides the computed one.',
    ),
    stagingAccessMode: str(
      "Access mode of the staging volume. ReadWriteOnce (default) places the step pods on the database pod's node; ReadWriteMany lets them run anywhere.",
      { enum: ['ReadWriteOnce', 'ReadWriteMany'], default: 'ReadWriteOnce' },
    ),
  },
  {
    default: {},
    'x-kubernetes-validations': [RULES.stagingAboveMinimum, RULES.databaseAboveMinimum],
  },
);

const postImport = obj(
  "What the verify step does after the import (the work of the vendor's POST_IMPORT.sh), as structured checks.",
  {
    recompileInvalid: bool('Recompile invalid objects of each schema. Default true.', { default: true }),
    rebuildUnusableIndexes: bool('Rebuild unusable indexes and index partitions. Default true.', {
      default: true,
    }),
    disableVpdPolicies: bool(
      'Disable the Alma security (VPD) policies, so the copy can be queried directly. Default true.',
      { default: true },
    ),
    gatherStatistics: bool('Gather optimizer statistics of each schema. Default true.', { default: true }),
    runVendorScript: bool("Also run the delivered POST_IMPORT checks' SQL where it applies. Default true.", {
      default: true,
    }),
    webhookSecret: secretName(
      'key "url", where the verify step POSTs its summary (instead of the vendor script\'s e-mail).',
    ),
    inventory: obj(
      'Checks of the data inventory (bib records, items, users, loans, ...) that the verify step counts.',
      {
        bibRecordsTolerance: num(
          'Allowed relative difference of the active bib records from the declared bibRecords before a warning. Default 0.1.',
          { minimum: 0, maximum: 1, default: 0.1 },
        ),
        dropTolerance: num(
          "A drop beyond this share of the same institution's previous Succeeded restore, in any area, is a warning. Default 0.02.",
          { minimum: 0, maximum: 1, default: 0.02 },
        ),
      },
      { default: {} },
    ),
  },
  { default: {} },
);

const importSpec = obj(
  'How Oracle Data Pump imports the dump files.',
  {
    engine: str(
      'datapump-api (default): drive DBMS_DATAPUMP from the runner (live progress, resume by re-attaching); impdp: run the impdp client with the delivered parfile, inside an image that has it.',
      { enum: ['datapump-api', 'impdp'], default: 'datapump-api' },
    ),
    parallelism: {
      description:
        'Data Pump PARALLEL: "auto" (default: one worker per dump file) or a whole number from 1 to 64.',
      anyOf: [{ type: 'integer' }, { type: 'string' }],
      'x-kubernetes-int-or-string': true,
      maxLength: 8,
      default: 'auto',
      'x-kubernetes-validations': [RULES.parallelism],
    },
    tableExistsAction: str(
      "TABLE_EXISTS_ACTION when a table already exists. Default SKIP (Oracle's default; never destroys data).",
      { enum: ['SKIP', 'APPEND', 'TRUNCATE', 'REPLACE'], default: 'SKIP' },
    ),
    ignorableErrors: arr(
      'Extra ORA- codes to treat as expected, besides the four the vendor documents (ORA-39083 with ORA-02380 or ORA-01919).',
      str('An Oracle error code such as ORA-31684.', { pattern: PATTERNS.oraCode, maxLength: 9 }),
      { maxItems: 100, 'x-kubernetes-list-type': 'set' },
    ),
    impdpImage: str(
      'Image with the impdp client, for engine impdp. Default: the managed database image. Required with database.existing.',
      { pattern: PATTERNS.image, maxLength: 512 },
    ),
    postImport,
  },
  { default: {} },
);

const tablespaceGuard = obj(
  'Watches each tablespace during the import, as the vendor asks ("add datafiles above 85% full").',
  {
    alertRatio: num(
      'Fill ratio (of the allocated size) at which to act and alert, from 0.5 to 0.99. Default 0.85.',
      { default: 0.85, 'x-kubernetes-validations': [RULES.alertRatioRange] },
    ),
    autoAddDatafiles: bool('Add a datafile when a tablespace passes alertRatio. Default true.', {
      default: true,
    }),
    autoGrowVolume: bool(
      'Expand the managed database volume when it runs short (needs a storage class that allows expansion). Default true.',
      { default: true },
    ),
    interval: {
      ...duration('How often to check the tablespaces, from 1s to 24h.', '30s'),
      'x-kubernetes-validations': [RULES.guardInterval],
    },
  },
  { default: {} },
);

const steps = obj(
  'The step Jobs (fetch, prepare, import, verify).',
  {
    fetchDeadlineSeconds: deadline('fetch', 172800, 'waiting for the delivery, then downloading it'),
    prepareDeadlineSeconds: deadline('prepare', 3600, 'tablespaces, users, grants, directories'),
    importDeadlineSeconds: deadline(
      'import',
      172800,
      'the vendor reports 30 minutes to 15 hours per institution',
    ),
    verifyDeadlineSeconds: deadline('verify', 21600, 'recompiles, index rebuilds and statistics'),
    runnerImage: str("Image of the step runners. Default: the controller's own image.", {
      pattern: PATTERNS.image,
      maxLength: 512,
    }),
  },
  { default: {} },
);

const retention = obj(
  'What happens to the data afterwards.',
  {
    deleteStagingOnSuccess: bool(
      'Delete the staging volume (the dump files, about half the disk) once the restore succeeded. Default true.',
      { default: true },
    ),
    onDelete: str(
      'When the AlmaRestore is deleted: Retain (default) keeps the managed database and its volume; Delete removes them.',
      { enum: ['Retain', 'Delete'], default: 'Retain' },
    ),
  },
  { default: {} },
);

const spec = obj(
  'What to restore, from where, into which database.',
  {
    customerId: str('Alma customer id, digits only (the "3975" of local_backup_final_3975_3978).', {
      pattern: PATTERNS.digits,
      maxLength: 20,
    }),
    institutions: arr(
      'The institutions of the delivery (one for a single library, several for a consortium).',
      institution,
      {
        minItems: 1,
        maxItems: MAX_INSTITUTIONS,
        'x-kubernetes-validations': [
          RULES.uniqueInstitutionIds,
          RULES.uniqueSchemas,
          RULES.uniqueTablespaces,
          RULES.defaultSchemaTaken,
          RULES.defaultTablespaceTaken,
        ],
      },
    ),
    source: obj('Where the backup comes from.', { sftp }, { required: ['sftp'] }),
    database,
    storage,
    import: importSpec,
    tablespaceGuard,
    steps,
    retention,
    suspend: bool(
      'Pause: no new step Job starts while true (a running one finishes). Set back to false to go on. Default false.',
      { default: false },
    ),
    cancel: bool(
      'Stop the restore for good: running Jobs are deleted and the phase becomes Cancelled. Cannot be undone. Default false.',
      { default: false, 'x-kubernetes-validations': [RULES.cancelIsFinal] },
    ),
  },
  {
    required: ['customerId', 'institutions', 'source', 'database'],
    'x-kubernetes-validations': [RULES.impdpImage, RULES.fetchDeadline],
  },
);

const condition = obj(
  'A standard Kubernetes condition.',
  {
    type: str('Type: Ready, Progressing, Degraded, Failed, or a step condition such as ImportSucceeded.', {
      maxLength: 316,
    }),
    status: str('True, False or Unknown.', { enum: ['True', 'False', 'Unknown'] }),
    reason: str('CamelCase machine reason.', { maxLength: 1024 }),
    message: str('Human-readable details.', { maxLength: 32768 }),
    lastTransitionTime: str('When status last changed.', { format: 'date-time' }),
    observedGeneration: int('The spec generation the condition was computed from.', { format: 'int64' }),
  },
  { required: ['type', 'status', 'lastTransitionTime'] },
);

const stepStatus = (step: string) =>
  obj(`State of the ${step} step.`, {
    phase: str('Pending, Running, Succeeded, SucceededWithWarnings or Failed.', {
      enum: ['Pending', 'Running', 'Succeeded', 'SucceededWithWarnings', 'Failed'],
    }),
    jobName: str('Name of the current or last Job of this step.'),
    attempt: int('Attempt number, 1 for the first run; a retry increments it.'),
    startTime: str('When the current attempt started.', { format: 'date-time' }),
    completionTime: str('When the current attempt ended.', { format: 'date-time' }),
    reason: str("Machine reason of the step's result."),
    message: str("The step's result, in one sentence."),
    summary: {
      description: 'Step-specific figures (dump files, bytes, tables, errors, ...).',
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
    },
  });

const status = obj('Observed state, written by the controller.', {
  phase: str(
    'Pending, Queued, Planning, Provisioning, Fetching, Preparing, Importing, Verifying, Succeeded, Failed, Suspended or Cancelled.',
    {
      enum: [...PHASES],
    },
  ),
  observedGeneration: int('The spec generation the status reflects.', { format: 'int64' }),
  conditions: arr('Standard conditions (see docs/api.md).', condition, {
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': ['type'],
  }),
  plan: obj('The sizing computed from the bib records.', {
    totalBibRecords: int('Bib records of all institutions.', { format: 'int64' }),
    institutionIds: str('The institution ids, comma-separated.'),
    stagingSize: str('Size of the staging volume.'),
    stagingBytes: int('Size of the staging volume, in bytes.', { format: 'int64' }),
    databaseSize: str('Size of the database volume.'),
    databaseBytes: int('Size of the database volume, in bytes.', { format: 'int64' }),
    institutions: arr(
      'Per institution: schema, tablespace and its planned size.',
      obj('One institution.', {
        institutionId: str('Alma institution id.'),
        bibRecords: int('Bib records.', { format: 'int64' }),
        schema: str('Schema user.'),
        tablespace: str('Tablespace.'),
        tablespaceSize: str("Planned tablespace size, the vendor's 20% headroom included."),
        tablespaceBytes: int('The same, in bytes.', { format: 'int64' }),
      }),
    ),
    warnings: arr('Doubts about explicit size overrides.', str('One warning.')),
    basis: obj("Where the figures came from: a previous restore's measurements or the vendor's rule.", {
      staging: str('Basis of the staging size.'),
      tablespaces: str('Basis of the tablespace sizes.'),
      importTime: str('Basis of the import estimate.'),
    }),
    importEstimate: obj('Expected import time, from the previous restore of the same institutions.', {
      seconds: int('Seconds.', { format: 'int64' }),
      text: str('The same, in words, with its source.'),
    }),
  }),
  steps: obj('Per step state.', {
    fetch: stepStatus('fetch'),
    prepare: stepStatus('prepare'),
    import: stepStatus('import'),
    verify: stepStatus('verify'),
  }),
  progress: int('Overall progress, percent.', { minimum: 0, maximum: 100 }),
  progressMessage: str('What is happening now, in a few words.'),
  failedStep: str('The step that failed, when phase is Failed.'),
  startTime: str('When the restore left Pending/Queued.', { format: 'date-time' }),
  completionTime: str('When the restore reached Succeeded, Failed or Cancelled.', { format: 'date-time' }),
  verification: arr(
    'Results of the verify step per institution.',
    obj('Checks of one institution.', {
      institutionId: str('Alma institution id.'),
      checks: arr(
        'The checks.',
        obj('One check.', {
          name: str('What was checked.'),
          passed: bool('Whether it passed.'),
          observed: str('What was found.'),
          expected: str('What was expected.'),
          action: str('What the verify step did about it, or what to do.'),
        }),
      ),
    }),
  ),
  tablespaces: arr(
    'Last observed fill of each tablespace.',
    obj('One tablespace.', {
      institutionId: str('Alma institution id.'),
      tablespace: str('Tablespace name.'),
      usedRatio: num('Used bytes / allocated bytes.'),
      usedBytes: int('Used bytes.', { format: 'int64' }),
      allocatedBytes: int('Allocated bytes (datafiles).', { format: 'int64' }),
      maxBytes: int('Bytes reachable by autoextend.', { format: 'int64' }),
    }),
  ),
  inventory: arr(
    "The data inventory the verify step counted, per institution, with the baseline restore's figures.",
    obj('One institution.', {
      institutionId: str('Alma institution id.'),
      exact: bool('The counts are exact COUNTs, not estimates.'),
      baseline: str('namespace/name of the restore compared with.'),
      areas: arr(
        'Per area.',
        obj('One area.', {
          area: str('bibActive, bibDeleted, holdings, authorities, physicalItems, portfolios, ...'),
          count: int('Rows counted.', { format: 'int64' }),
          notInDelivery: bool('The table or a column is not in this delivery.'),
          previous: int("The baseline restore's figure.", { format: 'int64' }),
          change: num('(count - previous) / previous.'),
        }),
      ),
    }),
  ),
  history: arr(
    'The previous Succeeded restore of each institution: the baseline for sizing and for the inventory comparison.',
    obj('One institution.', {
      institutionId: str('Alma institution id.'),
      restore: str('namespace/name of the earlier restore.'),
      completedAt: str('When it succeeded.', { format: 'date-time' }),
      bibActive: int('Its active bib records.', { format: 'int64' }),
      dumpBytes: int('Its extracted dump bytes.', { format: 'int64' }),
      tablespaceUsedBytes: int('Bytes used in its tablespace at the end.', { format: 'int64' }),
      importSeconds: int("Its import step's duration.", { format: 'int64' }),
      figures: arr(
        'Its inventory.',
        obj('One area.', {
          area: str('Area.'),
          count: int('Rows counted.', { format: 'int64' }),
        }),
      ),
    }),
  ),
  lastRetry: str('The value of the almarestore.io/retry annotation the controller last acted on.'),
  suspendedPhase: str('The phase a suspended restore resumes in.'),
  stagingDeleted: bool('The staging volume was deleted after success (retention.deleteStagingOnSuccess).'),
  actions: arr(
    'Actions the controller took by itself (datafiles added, volume grown).',
    obj('One action.', {
      time: str('When.', { format: 'date-time' }),
      action: str('What.'),
    }),
  ),
});

export const openAPIV3Schema: Schema = obj(
  'AlmaRestore restores an Alma Local Backup (an Oracle Data Pump dump delivered over SFTP) into an Oracle 19c database.',
  {
    apiVersion: str('API version of this object: almarestore.io/v1alpha1.'),
    kind: str('Kind of this object: AlmaRestore.'),
    // The API server forbids anything but `type` here (not even a description).
    metadata: { type: 'object' } as Schema,
    spec,
    status,
  },
  {
    required: ['spec'],
    'x-kubernetes-validations': [
      RULES.name,
      RULES.immutableCustomerId,
      RULES.immutableInstitutions,
      RULES.immutableSource,
      RULES.immutableDatabase,
      RULES.immutableStorage,
      RULES.immutableImport,
    ],
  },
);

export const printerColumns = [
  { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Current phase.' },
  {
    name: 'Institutions',
    type: 'string',
    jsonPath: '.status.plan.institutionIds',
    description: 'Institution ids.',
  },
  {
    name: 'Bibs',
    type: 'integer',
    jsonPath: '.status.plan.totalBibRecords',
    description: 'Bib records, all institutions.',
  },
  {
    name: 'Progress',
    type: 'integer',
    jsonPath: '.status.progress',
    description: 'Overall progress, percent.',
  },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
];

export function customResourceDefinition() {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: CRD_NAME,
      labels: { 'app.kubernetes.io/name': 'alma-restore-operator' },
    },
    spec: {
      group: GROUP,
      names: {
        kind: KIND,
        listKind: `${KIND}List`,
        plural: PLURAL,
        singular: KIND.toLowerCase(),
        shortNames: [SHORT_NAME],
        categories: [CATEGORY],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: printerColumns,
          schema: { openAPIV3Schema },
        },
      ],
    },
  };
}

export const CRD_FILE = 'crds/almarestore.io_almarestores.yaml';

export function crdYaml(): string {
  return (
    `# Generated from src/api/crd.ts by \`npx tsx src/api/write-crd.ts\`; do not edit by hand.\n` +
    `# ${API_VERSION} ${KIND}: see docs/api.md.\n` +
    YAML.stringify(customResourceDefinition(), { lineWidth: 0 })
  );
}
