// AlmaRestore.spec: what to restore (institutions, source, database: spec-inputs.ts) and how
// (storage sizing, Data Pump import and post-import checks, tablespace guard, step Jobs,
// retention). TypeBox schemas carrying the CRD's descriptions, defaults, bounds and CEL rules;
// types.ts takes the TypeScript types from them (Static<>), crd.ts writes them into the CRD.
import { arr, bool, num, obj, opt, str, strEnum, typed } from '../schema-helpers.js';
import { MAX_INSTITUTIONS, PATTERNS, RULES } from './rules.js';
import {
  database,
  deadline,
  duration,
  institution,
  secretName,
  sftp,
  storageQuantity,
} from './spec-inputs.js';

export const storage = obj(
  'Volume sizes. By default they follow the vendor: about 150 GiB per million bib records in total, split between the staging volume (the dump files, about 70 of the 150) and the database volume.',
  {
    storageClassName: opt(
      str('Storage class of the volumes. Default: the cluster default.', {
        pattern: PATTERNS.k8sName,
        maxLength: 253,
      }),
    ),
    gibPerMillionBibs: opt(
      num('GiB of disk per million bib records, staging and database together. Default 150.', {
        minimum: 10,
        maximum: 10000,
        default: 150,
      }),
    ),
    stagingFraction: opt(
      num('Share of that total that goes to the staging volume, from 0.1 to 0.9. Default 0.47 (70 of 150).', {
        default: 0.47,
        'x-kubernetes-validations': [RULES.stagingFractionRange],
      }),
    ),
    minimumSize: opt(
      storageQuantity('Smallest size of each volume, whatever the bib count. Default "20Gi".', {
        default: '20Gi',
      }),
    ),
    stagingSize: opt(storageQuantity('Explicit size of the staging volume; overrides the computed one.')),
    databaseSize: opt(
      storageQuantity('Explicit size of the managed database volume; overrides the computed one.'),
    ),
    stagingAccessMode: opt(
      strEnum(
        "Access mode of the staging volume. ReadWriteOnce (default) places the step pods on the database pod's node; ReadWriteMany lets them run anywhere.",
        ['ReadWriteOnce', 'ReadWriteMany'],
        { default: 'ReadWriteOnce' },
      ),
    ),
  },
  {
    default: {},
    'x-kubernetes-validations': [RULES.stagingAboveMinimum, RULES.databaseAboveMinimum],
  },
);

export const postImport = obj(
  "What the verify step does after the import (the work of the vendor's POST_IMPORT.sh), as structured checks.",
  {
    recompileInvalid: opt(bool('Recompile invalid objects of each schema. Default true.', { default: true })),
    rebuildUnusableIndexes: opt(
      bool('Rebuild unusable indexes and index partitions. Default true.', {
        default: true,
      }),
    ),
    disableVpdPolicies: opt(
      bool('Disable the Alma security (VPD) policies, so the copy can be queried directly. Default true.', {
        default: true,
      }),
    ),
    gatherStatistics: opt(
      bool('Gather optimizer statistics of each schema. Default true.', { default: true }),
    ),
    runVendorScript: opt(
      bool("Also run the delivered POST_IMPORT checks' SQL where it applies. Default true.", {
        default: true,
      }),
    ),
    webhookSecret: opt(
      secretName(
        'key "url", where the verify step POSTs its summary (instead of the vendor script\'s e-mail).',
      ),
    ),
    inventory: opt(
      obj(
        'Checks of the data inventory (bib records, items, users, loans, ...) that the verify step counts.',
        {
          bibRecordsTolerance: opt(
            num(
              'Allowed relative difference of the active bib records from the declared bibRecords before a warning. Default 0.1.',
              { minimum: 0, maximum: 1, default: 0.1 },
            ),
          ),
          dropTolerance: opt(
            num(
              "A drop beyond this share of the same institution's previous Succeeded restore, in any area, is a warning. Default 0.02.",
              { minimum: 0, maximum: 1, default: 0.02 },
            ),
          ),
        },
        { default: {} },
      ),
    ),
  },
  { default: {} },
);

export const importSpec = obj(
  'How Oracle Data Pump imports the dump files.',
  {
    engine: opt(
      strEnum(
        'datapump-api (default): drive DBMS_DATAPUMP from the runner (live progress, resume by re-attaching); impdp: run the impdp client with the delivered parfile, inside an image that has it.',
        ['datapump-api', 'impdp'],
        { default: 'datapump-api' },
      ),
    ),
    // int-or-string: the CEL rule narrows the string to "auto", as the type says.
    parallelism: opt(
      typed<'auto' | number, 'defaulted'>({
        description:
          'Data Pump PARALLEL: "auto" (default: one worker per dump file) or a whole number from 1 to 64.',
        anyOf: [{ type: 'integer' }, { type: 'string' }],
        'x-kubernetes-int-or-string': true,
        maxLength: 8,
        default: 'auto',
        'x-kubernetes-validations': [RULES.parallelism],
      }),
    ),
    tableExistsAction: opt(
      strEnum(
        "TABLE_EXISTS_ACTION when a table already exists. Default SKIP (Oracle's default; never destroys data).",
        ['SKIP', 'APPEND', 'TRUNCATE', 'REPLACE'],
        { default: 'SKIP' },
      ),
    ),
    ignorableErrors: opt(
      arr(
        'Extra ORA- codes to treat as expected, besides the four the vendor documents (ORA-39083 with ORA-02380 or ORA-01919).',
        str('An Oracle error code such as ORA-31684.', { pattern: PATTERNS.oraCode, maxLength: 9 }),
        { maxItems: 100, 'x-kubernetes-list-type': 'set' },
      ),
    ),
    impdpImage: opt(
      str(
        'Image with the impdp client, for engine impdp. Default: the managed database image. Required with database.existing.',
        { pattern: PATTERNS.image, maxLength: 512 },
      ),
    ),
    postImport: opt(postImport),
  },
  { default: {} },
);

export const tablespaceGuard = obj(
  'Watches each tablespace during the import, as the vendor asks ("add datafiles above 85% full").',
  {
    alertRatio: opt(
      num('Fill ratio (of the allocated size) at which to act and alert, from 0.5 to 0.99. Default 0.85.', {
        default: 0.85,
        'x-kubernetes-validations': [RULES.alertRatioRange],
      }),
    ),
    autoAddDatafiles: opt(
      bool('Add a datafile when a tablespace passes alertRatio. Default true.', {
        default: true,
      }),
    ),
    autoGrowVolume: opt(
      bool(
        'Expand the managed database volume when it runs short (needs a storage class that allows expansion). Default true.',
        { default: true },
      ),
    ),
    interval: opt(
      duration('How often to check the tablespaces, from 1s to 24h.', '30s', {
        'x-kubernetes-validations': [RULES.guardInterval],
      }),
    ),
  },
  { default: {} },
);

export const steps = obj(
  'The step Jobs (fetch, prepare, import, verify).',
  {
    fetchDeadlineSeconds: opt(deadline('fetch', 172800, 'waiting for the delivery, then downloading it')),
    prepareDeadlineSeconds: opt(deadline('prepare', 3600, 'tablespaces, users, grants, directories')),
    importDeadlineSeconds: opt(
      deadline('import', 172800, 'the vendor reports 30 minutes to 15 hours per institution'),
    ),
    verifyDeadlineSeconds: opt(deadline('verify', 21600, 'recompiles, index rebuilds and statistics')),
    runnerImage: opt(
      str("Image of the step runners. Default: the controller's own image.", {
        pattern: PATTERNS.image,
        maxLength: 512,
      }),
    ),
  },
  { default: {} },
);

export const retention = obj(
  'What happens to the data afterwards.',
  {
    deleteStagingOnSuccess: opt(
      bool(
        'Delete the staging volume (the dump files, about half the disk) once the restore succeeded. Default true.',
        { default: true },
      ),
    ),
    onDelete: opt(
      strEnum(
        'When the AlmaRestore is deleted: Retain (default) keeps the managed database and its volume; Delete removes them.',
        ['Retain', 'Delete'],
        { default: 'Retain' },
      ),
    ),
  },
  { default: {} },
);

export const spec = obj(
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
    source: obj('Where the backup comes from.', { sftp: sftp }),
    database: database,
    storage: opt(storage),
    import: opt(importSpec),
    tablespaceGuard: opt(tablespaceGuard),
    steps: opt(steps),
    retention: opt(retention),
    suspend: opt(
      bool(
        'Pause: no new step Job starts while true (a running one finishes). Set back to false to go on. Default false.',
        { default: false },
      ),
    ),
    cancel: opt(
      bool(
        'Stop the restore for good: running Jobs are deleted and the phase becomes Cancelled. Cannot be undone. Default false.',
        { default: false, 'x-kubernetes-validations': [RULES.cancelIsFinal] },
      ),
    ),
  },
  {
    'x-kubernetes-validations': [RULES.impdpImage, RULES.fetchDeadline],
  },
);
