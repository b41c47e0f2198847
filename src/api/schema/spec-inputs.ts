// The parts of AlmaRestore.spec that name the inputs: the institutions, the SFTP source and the
// target database (managed or existing), plus the small field builders the whole spec shares.
// TypeBox schemas carrying the CRD's descriptions, defaults, bounds and CEL rules; types.ts takes
// the TypeScript types from them (Static<>), crd.ts writes them into the CRD. Data only.
import { arr, bool, int, obj, opt, str, strEnum, type Extra } from '../schema-helpers.js';
import { PATTERNS, RULES } from './rules.js';

export const secretName = (what: string) =>
  str(`Name of a Secret in the AlmaRestore's namespace: ${what}`, {
    pattern: PATTERNS.k8sName,
    maxLength: 253,
  });
export const duration = (what: string, dflt: string, extra: Extra = {}) =>
  str(
    `${what} A duration of hours, minutes and seconds such as "24h", "1h30m" or "90s". Default "${dflt}".`,
    {
      pattern: PATTERNS.duration,
      maxLength: 32,
      default: dflt,
      ...extra,
    },
  );
export const storageQuantity = <X extends Extra = object>(what: string, extra: X = {} as X) =>
  str(`${what} A Kubernetes quantity such as "200Gi" or "1.5Ti", from 1Gi to 1Pi.`, {
    pattern: PATTERNS.storageQuantity,
    maxLength: 32,
    'x-kubernetes-validations': [RULES.storageBounds],
    ...extra,
  });
export const resourceList = (what: string) =>
  obj(what, {
    cpu: opt(
      str('CPU, a Kubernetes quantity such as "2" or "500m".', {
        pattern: PATTERNS.resourceQuantity,
        maxLength: 32,
        'x-kubernetes-validations': [RULES.positiveQuantity],
      }),
    ),
    memory: opt(
      str('Memory, a Kubernetes quantity such as "8Gi".', {
        pattern: PATTERNS.resourceQuantity,
        maxLength: 32,
        'x-kubernetes-validations': [RULES.positiveQuantity],
      }),
    ),
  });
export const deadline = (step: string, dflt: number, why: string) =>
  int(`Deadline of the ${step} Job (activeDeadlineSeconds), in seconds. Default ${dflt} (${why}).`, {
    minimum: 60,
    maximum: 1_209_600,
    default: dflt,
  });

export const institution = obj(
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
    schema: opt(
      str(
        'Schema user the data is imported into (REMAP_SCHEMA target). Default EXL_ADMIN for the first institution, EXL_ADMIN_2, EXL_ADMIN_3, ... for the next ones, as the vendor advises. Upper case.',
        { pattern: PATTERNS.oracleName, maxLength: 128, 'x-kubernetes-validations': [RULES.reservedSchema] },
      ),
    ),
    tablespace: opt(
      str(
        'Tablespace the data is imported into (REMAP_TABLESPACE target). Default USERS for the first institution, USERS2, USERS3, ... for the next ones. Upper case, at most 30 characters.',
        {
          pattern: PATTERNS.oracleName,
          maxLength: 30,
          'x-kubernetes-validations': [RULES.reservedTablespace],
        },
      ),
    ),
  },
);

export const sftp = obj(
  "The institution's SFTP drop-point where Ex Libris delivers the backup (local_backup_final_*.tar.gz.* parts and alma_localbackup_customer.zip).",
  {
    host: str('Host name or IP address of the SFTP server.', {
      pattern: PATTERNS.host,
      maxLength: 253,
    }),
    port: opt(int('TCP port of the SFTP server. Default 22.', { minimum: 1, maximum: 65535, default: 22 })),
    directory: opt(
      str('Directory on the SFTP server that holds the delivery. Default "." (the login directory).', {
        minLength: 1,
        maxLength: 1024,
        default: '.',
        'x-kubernetes-validations': [RULES.noControlCharacters],
      }),
    ),
    credentialsSecret: secretName(
      'keys "username", and "password" or "privateKey" (plus "passphrase" if the key is encrypted), and "knownHosts" (the server\'s host key lines, as in ~/.ssh/known_hosts).',
    ),
    insecureSkipHostKeyVerification: opt(
      bool(
        "DANGER: accept any SFTP host key, so that anyone who can intercept the connection can serve a forged backup and read the credentials. Only for a first test; pin the server's key in the Secret's knownHosts instead. Default false.",
        { default: false },
      ),
    ),
    waitForDelivery: opt(
      duration(
        'How long the fetch step waits for the delivery to appear and be complete before it fails.',
        '24h',
      ),
    ),
    stableFor: opt(
      duration(
        "How long a file's size must stay unchanged before it counts as completely uploaded, from 1s to 24h.",
        '2m',
        { 'x-kubernetes-validations': [RULES.stableFor] },
      ),
    ),
    mode: opt(
      strEnum(
        'stream (default): download, gunzip and untar in one pass, never storing the tarball; stage: keep the downloaded parts on the staging volume first (resumable download, needs more space).',
        ['stream', 'stage'],
        { default: 'stream' },
      ),
    ),
  },
);

export const managed = obj(
  'The operator creates an Oracle Database 19c Enterprise Edition for this restore (a StatefulSet, a headless Service and a data volume), owned by the AlmaRestore.',
  {
    image: str(
      'Oracle Database 19c Enterprise Edition image, e.g. container-registry.oracle.com/database/enterprise:19.3.0.0 (needs your Oracle registry login and license acceptance) or one built from oracle/docker-images.',
      { pattern: PATTERNS.image, maxLength: 512 },
    ),
    imagePullSecrets: opt(
      arr(
        'Names of docker-registry Secrets used to pull the image.',
        str('Name of a docker-registry Secret.', { pattern: PATTERNS.k8sName, maxLength: 253 }),
        { maxItems: 10 },
      ),
    ),
    storageClassName: opt(
      str(
        'Storage class of the database volume. Default: storage.storageClassName, else the cluster default.',
        { pattern: PATTERNS.k8sName, maxLength: 253 },
      ),
    ),
    resources: opt(
      obj(
        'CPU and memory of the database container. A memory limit of at least 2Gi is required. Default requests cpu 2 and memory 8Gi, limit memory 8Gi.',
        {
          requests: opt(resourceList('Minimum resources, e.g. cpu: "2", memory: 8Gi. At most the limits.')),
          limits: opt(resourceList('Maximum resources, e.g. memory: 8Gi.')),
        },
        {
          default: { requests: { cpu: '2', memory: '8Gi' }, limits: { memory: '8Gi' } },
          'x-kubernetes-validations': [RULES.requestsWithinLimits],
        },
      ),
    ),
    sid: opt(
      str(
        'ORACLE_SID of the container database: a letter, then up to 11 letters or digits. Default ORCLCDB.',
        {
          pattern: PATTERNS.sid,
          maxLength: 12,
          default: 'ORCLCDB',
        },
      ),
    ),
    pdb: opt(
      str(
        'Name of the pluggable database the data goes into (ORACLE_PDB): a letter, then up to 29 letters, digits or _. Default ORCLPDB1.',
        { pattern: PATTERNS.pdb, maxLength: 30, default: 'ORCLPDB1' },
      ),
    ),
    characterSet: opt(
      strEnum(
        'Database character set. Only AL32UTF8, the Unicode set Alma needs. (The national character set is the image default, AL16UTF16.)',
        ['AL32UTF8'],
        { default: 'AL32UTF8' },
      ),
    ),
    adminPasswordSecret: secretName(
      'key "password", the password of SYS, SYSTEM and PDBADMIN (ORACLE_PWD). The steps connect as SYSTEM.',
    ),
  },
  {
    'x-kubernetes-validations': [RULES.memoryLimit, RULES.memoryMinimum],
  },
);

export const existing = obj(
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
    allowRedoLogChanges: opt(
      bool(
        'Let the prepare step add redo log groups (the vendor asks for 5 groups of at least 512M). Default false: it only reports.',
        { default: false },
      ),
    ),
  },
  {
    'x-kubernetes-validations': [RULES.connectStringCredentials, RULES.connectStringCharacters],
  },
);

export const database = obj(
  'The target database: exactly one of managed or existing.',
  {
    managed: opt(managed),
    existing: opt(existing),
    schemaPasswordSecret: secretName(
      'key "password", the password given to the schema users (EXL_ADMIN, ...).',
    ),
    directoryName: opt(
      str(
        "Base name of the Oracle directory objects; each institution gets <directoryName>_<institutionId>. Default EXP_DIR, the vendor's name.",
        { pattern: '^[A-Z][A-Z0-9_]*$', maxLength: 100, default: 'EXP_DIR' },
      ),
    ),
    replaceExistingSchema: opt(
      bool(
        'Drop and recreate a schema user that already owns objects. Default false: the prepare step refuses, to protect an earlier restore.',
        { default: false },
      ),
    ),
  },
  { 'x-kubernetes-validations': [RULES.exactlyOneDatabase] },
);
