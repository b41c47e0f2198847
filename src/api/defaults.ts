// Resolves an AlmaRestore spec: every default applied, so nothing downstream guesses. The CRD's
// own defaults come from its schema (the same walker the API server's defaulting mirrors); the
// ones that depend on an institution's position (EXL_ADMIN / USERS for the first, EXL_ADMIN_2 /
// USERS2 after, as the vendor advises) and on the controller (its image) are added here. Pure.
import { openAPIV3Schema } from './crd.js';
import { applyDefaults } from './schema-walk.js';
import type {
  InventoryCheckSpec,
  RestoreHistory,
  AlmaRestore,
  AlmaRestoreSpec,
  ExistingDatabaseSpec,
  ManagedDatabaseSpec,
  PostImportSpec,
  ResourceList,
  RetentionSpec,
  SftpSourceSpec,
  StepsSpec,
  StorageSpec,
  TablespaceGuardSpec,
} from './types.js';

/** Image of the step runners when neither spec.steps.runnerImage nor the controller names one. */
export const DEFAULT_RUNNER_IMAGE = 'alma-restore-operator:0.1.0';

export interface ResolvedInstitution {
  institutionId: string;
  bibRecords: number;
  schema: string;
  tablespace: string;
}

export type ResolvedManaged = Required<Omit<ManagedDatabaseSpec, 'storageClassName' | 'resources'>> & {
  /** spec.database.managed.storageClassName, else spec.storage.storageClassName; absent = cluster default. */
  storageClassName?: string;
  resources: { requests: ResourceList; limits: ResourceList & { memory: string } };
};

export interface ResolvedSpec {
  customerId: string;
  institutions: ResolvedInstitution[];
  source: { sftp: Required<SftpSourceSpec> };
  database: {
    managed?: ResolvedManaged;
    existing?: Required<ExistingDatabaseSpec>;
    schemaPasswordSecret: string;
    directoryName: string;
    replaceExistingSchema: boolean;
  };
  storage: Required<Omit<StorageSpec, 'storageClassName' | 'stagingSize' | 'databaseSize'>> &
    Pick<StorageSpec, 'storageClassName' | 'stagingSize' | 'databaseSize'>;
  import: {
    engine: 'datapump-api' | 'impdp';
    parallelism: 'auto' | number;
    tableExistsAction: 'SKIP' | 'APPEND' | 'TRUNCATE' | 'REPLACE';
    ignorableErrors: string[];
    /** For engine impdp: spec.import.impdpImage, else the managed database image. */
    impdpImage?: string;
    postImport: Required<Omit<PostImportSpec, 'webhookSecret' | 'inventory'>> & {
      webhookSecret?: string;
      inventory: Required<InventoryCheckSpec>;
    };
  };
  tablespaceGuard: Required<TablespaceGuardSpec>;
  steps: Required<StepsSpec>;
  retention: Required<RetentionSpec>;
  suspend: boolean;
  cancel: boolean;
}

export interface ResolvedAlmaRestore {
  name: string;
  namespace: string;
  /** Absent before the API server has stored the object (e.g. in `plan`). */
  uid?: string;
  generation?: number;
  spec: ResolvedSpec;
  /** status.history: the previous restore of each institution, when the controller found one. */
  history?: RestoreHistory[];
}

export const defaultSchemaName = (index: number) => (index === 0 ? 'EXL_ADMIN' : `EXL_ADMIN_${index + 1}`);
export const defaultTablespaceName = (index: number) => (index === 0 ? 'USERS' : `USERS${index + 1}`);

export interface ResolveOptions {
  /** The controller's own image: the default of spec.steps.runnerImage. */
  runnerImage?: string;
}

export function resolveSpec(spec: AlmaRestoreSpec, opts: ResolveOptions = {}): ResolvedSpec {
  const schema = openAPIV3Schema.properties!.spec!;
  const s = structuredClone(applyDefaults(spec, schema)) as ResolvedSpec;
  s.institutions = s.institutions.map((inst, i) => ({
    institutionId: inst.institutionId,
    bibRecords: inst.bibRecords,
    schema: inst.schema ?? defaultSchemaName(i),
    tablespace: inst.tablespace ?? defaultTablespaceName(i),
  }));
  s.import.ignorableErrors ??= [];
  s.steps.runnerImage ??= opts.runnerImage ?? DEFAULT_RUNNER_IMAGE;
  const managed = s.database.managed;
  if (managed) {
    managed.imagePullSecrets ??= [];
    managed.storageClassName ??= s.storage.storageClassName;
    if (managed.storageClassName === undefined) delete managed.storageClassName;
    managed.resources.requests ??= {};
    s.import.impdpImage ??= managed.image;
  }
  return s;
}

export function resolveAlmaRestore(ar: AlmaRestore, opts: ResolveOptions = {}): ResolvedAlmaRestore {
  return {
    name: ar.metadata.name,
    namespace: ar.metadata.namespace ?? 'default',
    ...(ar.metadata.uid ? { uid: ar.metadata.uid } : {}),
    ...(ar.metadata.generation !== undefined ? { generation: ar.metadata.generation } : {}),
    spec: resolveSpec(ar.spec, opts),
    ...(ar.status?.history?.length ? { history: ar.status.history } : {}),
  };
}
