// The AlmaRestore API (almarestore.io/v1alpha1), as TypeScript types. The CRD in
// crds/almarestore.io_almarestores.yaml is the source of truth for validation and defaults;
// these types mirror it field by field.

import type { V1ObjectMeta } from '@kubernetes/client-node';
import type { StepProgress } from '../contract/progress-record.js';

export const GROUP = 'almarestore.io';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'AlmaRestore';
export const PLURAL = 'almarestores';

export interface SecretKeyRef {
  name: string;
  key: string;
}

export interface InstitutionSpec {
  /** Alma institution id, digits (e.g. "3978"). */
  institutionId: string;
  /** Number of bibliographic records: sizes everything. */
  bibRecords: number;
  /** Target schema; default EXL_ADMIN for the first institution, EXL_ADMIN_<n> after. */
  schema?: string;
  /** Target tablespace; default USERS for the first, USERS<n> after. */
  tablespace?: string;
}

export interface SftpSourceSpec {
  host: string;
  port?: number; // default 22
  directory?: string; // default "."
  /** Secret with keys: username, and password or privateKey (+ passphrase), and knownHosts. */
  credentialsSecret: string;
  /** Loudly-named opt-out of host-key verification. */
  insecureSkipHostKeyVerification?: boolean;
  /** How long to wait for the delivery to appear and stop growing. Go duration, default "24h". */
  waitForDelivery?: string;
  /** How long a file's size must stay unchanged to count as complete. Default "2m". */
  stableFor?: string;
  /** stream (default: never stores the tarball) or stage (keeps parts on disk). */
  mode?: 'stream' | 'stage';
}

export interface ResourceList {
  cpu?: string;
  memory?: string;
}

export interface ResourceRequirements {
  requests?: ResourceList;
  limits?: ResourceList;
}

export interface ManagedDatabaseSpec {
  image: string;
  imagePullSecrets?: string[];
  /** Storage class of the database volume; default: storage.storageClassName. */
  storageClassName?: string;
  /** Default requests cpu 2 / memory 8Gi, limits memory 8Gi (a memory limit is required). */
  resources?: ResourceRequirements;
  sid?: string; // default ORCLCDB
  pdb?: string; // default ORCLPDB1
  characterSet?: 'AL32UTF8';
  /** Secret holding the admin (SYS/SYSTEM/PDBADMIN) password, key "password". */
  adminPasswordSecret: string;
}

export interface ExistingDatabaseSpec {
  /** Easy Connect string to the PDB service, e.g. db.example.edu:1521/ALMAPDB. */
  connectString: string;
  /** Secret with keys username, password of an admin (not SYSDBA). */
  adminCredentialsSecret: string;
  /** The PVC that the database reads dump files from, and the path it is mounted at there. */
  stagingClaimName: string;
  stagingPath: string;
  /** Allow prepare to change redo logs on an existing database. */
  allowRedoLogChanges?: boolean;
}

export interface DatabaseSpec {
  managed?: ManagedDatabaseSpec;
  existing?: ExistingDatabaseSpec;
  /** Secret whose key "password" is the schema users' password. */
  schemaPasswordSecret: string;
  /** Name of the Oracle directory object; default EXP_DIR. */
  directoryName?: string;
  /** Replace a schema that already holds data. Default false: prepare refuses. */
  replaceExistingSchema?: boolean;
}

export interface StorageSpec {
  storageClassName?: string;
  /** GiB per million bib records, in total (staging + database). Default 150. */
  gibPerMillionBibs?: number;
  /** Share of the total that goes to the staging volume. Default 0.47 (70 of 150). */
  stagingFraction?: number;
  /** Lower bound for each volume, Kubernetes quantity. Default "20Gi". */
  minimumSize?: string;
  /** Explicit overrides (quantities). */
  stagingSize?: string;
  databaseSize?: string;
  /** Access mode of the staging PVC. ReadWriteOnce (default) pins step pods to the database pod's node. */
  stagingAccessMode?: 'ReadWriteOnce' | 'ReadWriteMany';
}

export interface ImportSpec {
  engine?: 'datapump-api' | 'impdp';
  /** "auto" (number of dump files) or 1..64. */
  parallelism?: 'auto' | number;
  tableExistsAction?: 'SKIP' | 'APPEND' | 'TRUNCATE' | 'REPLACE';
  /** Extra ORA- codes to treat as expected, e.g. ["ORA-31684"]. */
  ignorableErrors?: string[];
  /** Image with the impdp client for engine impdp; default the managed database image. */
  impdpImage?: string;
  postImport?: PostImportSpec;
}

export interface PostImportSpec {
  recompileInvalid?: boolean; // default true
  rebuildUnusableIndexes?: boolean; // default true
  disableVpdPolicies?: boolean; // default true
  gatherStatistics?: boolean; // default true
  runVendorScript?: boolean; // default true
  /** Secret with key "url": where to POST the summary. */
  webhookSecret?: string;
  inventory?: InventoryCheckSpec;
}

export interface InventoryCheckSpec {
  /** Allowed relative difference of active bib records from bibRecords. Default 0.1. */
  bibRecordsTolerance?: number;
  /** A drop beyond this share of the previous restore's figure, in any area, is a warning. Default 0.02. */
  dropTolerance?: number;
}

export interface TablespaceGuardSpec {
  alertRatio?: number; // default 0.85
  autoAddDatafiles?: boolean; // default true
  autoGrowVolume?: boolean; // default true
  interval?: string; // default "30s"
}

export interface StepsSpec {
  /** Deadline of each step Job, seconds. */
  fetchDeadlineSeconds?: number;
  prepareDeadlineSeconds?: number;
  importDeadlineSeconds?: number;
  verifyDeadlineSeconds?: number;
  /** Image of the step runners; default: the controller's own. */
  runnerImage?: string;
}

export interface RetentionSpec {
  /** Delete the dump files (staging PVC) once the restore succeeded. Default true. */
  deleteStagingOnSuccess?: boolean;
  /** On deletion of the AlmaRestore: Retain (default) or Delete the database and its volumes. */
  onDelete?: 'Retain' | 'Delete';
}

export interface AlmaRestoreSpec {
  customerId: string;
  institutions: InstitutionSpec[];
  source: { sftp: SftpSourceSpec };
  database: DatabaseSpec;
  storage?: StorageSpec;
  import?: ImportSpec;
  tablespaceGuard?: TablespaceGuardSpec;
  steps?: StepsSpec;
  retention?: RetentionSpec;
  suspend?: boolean;
  cancel?: boolean;
}

export const PHASES = [
  'Pending',
  'Queued',
  'Planning',
  'Provisioning',
  'Fetching',
  'Preparing',
  'Importing',
  'Verifying',
  'Succeeded',
  'Failed',
  'Suspended',
  'Cancelled',
] as const;
export type Phase = (typeof PHASES)[number];

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface InstitutionPlan {
  institutionId: string;
  bibRecords: number;
  schema: string;
  tablespace: string;
  /** Planned tablespace size (a quantity like "80Gi") incl. the vendor's 20% headroom. */
  tablespaceSize: string;
  tablespaceBytes: number;
}

export interface SizingPlan {
  totalBibRecords: number;
  /** Comma-separated institution ids, for the printer column. */
  institutionIds: string;
  stagingSize: string;
  stagingBytes: number;
  /** Size of the managed database's data volume (also computed, for information, in existing mode). */
  databaseSize: string;
  databaseBytes: number;
  institutions: InstitutionPlan[];
  /** Doubts about explicit overrides (e.g. a databaseSize smaller than the planned tablespaces). */
  warnings?: string[];
  /** Where each figure came from: the previous restore's measurements, or the vendor's rule. */
  basis?: { staging: string; tablespaces: string; importTime?: string };
  /** Expected import time, from the previous restore of the same institutions. */
  importEstimate?: { seconds: number; text: string };
}

/** What a running step last reported about itself: the step contract's record (src/contract/progress-record.ts). */
export type { StepProgress };

export interface StepStatus {
  phase: 'Pending' | 'Running' | 'Succeeded' | 'SucceededWithWarnings' | 'Failed';
  jobName?: string;
  attempt: number;
  startTime?: string;
  completionTime?: string;
  reason?: string;
  message?: string;
  summary?: Record<string, unknown>;
  /** The step's live progress, and after it ended the last it reported. */
  progress?: StepProgress;
}

export interface VerificationCheck {
  name: string;
  passed: boolean;
  observed?: string;
  expected?: string;
  action?: string;
}

export interface AlmaRestoreStatus {
  phase?: Phase;
  observedGeneration?: number;
  conditions?: Condition[];
  plan?: SizingPlan;
  steps?: Partial<Record<'fetch' | 'prepare' | 'import' | 'verify', StepStatus>>;
  /** 0-100, overall. */
  progress?: number;
  progressMessage?: string;
  failedStep?: string;
  /** The step that runs now, or the one that failed (the STEP printer column). */
  currentStep?: string;
  startTime?: string;
  completionTime?: string;
  verification?: { institutionId: string; checks: VerificationCheck[] }[];
  tablespaces?: {
    institutionId: string;
    tablespace: string;
    usedRatio: number;
    usedBytes: number;
    allocatedBytes: number;
    maxBytes: number;
  }[];
  /** The data inventory the verify step counted, per institution, with the previous restore's figures. */
  inventory?: InstitutionInventoryStatus[];
  /** The previous Succeeded restore of each institution, found at Pending: the baseline for sizing and comparison. */
  history?: RestoreHistory[];
  /** The value of the almarestore.io/retry annotation last acted on. */
  lastRetry?: string;
  /** The phase a suspended restore resumes in. */
  suspendedPhase?: Phase;
  /** The staging volume was deleted after success (retention.deleteStagingOnSuccess). */
  stagingDeleted?: boolean;
  /** Actions the controller took by itself (datafiles added, volume grown). */
  actions?: { time: string; action: string }[];
}

export interface InventoryAreaStatus {
  area: string;
  /** Absent when the area is not in this delivery (notInDelivery) or could not be counted. */
  count?: number;
  notInDelivery?: boolean;
  /** The same institution's figure in the baseline restore. */
  previous?: number;
  /** (count - previous) / previous. */
  change?: number;
}

export interface InstitutionInventoryStatus {
  institutionId: string;
  /** Exact COUNTs (true), not optimizer estimates. */
  exact: boolean;
  /** namespace/name of the restore compared with. */
  baseline?: string;
  areas: InventoryAreaStatus[];
}

export interface RestoreHistory {
  institutionId: string;
  /** namespace/name of the earlier Succeeded AlmaRestore. */
  restore: string;
  completedAt?: string;
  /** Its active bib records (the inventory's count): the base of the per-million figures. */
  bibActive?: number;
  /** Extracted dump bytes (its fetch step). */
  dumpBytes?: number;
  /** Bytes used in the institution's tablespace at the end (the tablespace guard). */
  tablespaceUsedBytes?: number;
  /** Its import step's duration. */
  importSeconds?: number;
  figures: { area: string; count?: number }[];
}

/** Compatible with client-node's KubernetesObject; the API server always sets metadata.name. */
export interface AlmaRestore {
  apiVersion: typeof API_VERSION;
  kind: typeof KIND;
  metadata: V1ObjectMeta & { name: string };
  spec: AlmaRestoreSpec;
  status?: AlmaRestoreStatus;
}
