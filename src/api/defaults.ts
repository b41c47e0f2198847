// Resolves an AlmaRestore spec: every default applied, so nothing downstream guesses. The CRD's
// own defaults come from its schema (the same walker the API server's defaulting mirrors); the
// ones that depend on an institution's position (EXL_ADMIN / USERS for the first, EXL_ADMIN_2 /
// USERS2 after, as the vendor advises) and on the controller (its image) are added here. Pure.
import { withDefaults } from './schema-walk.js';
import type { Defaulted } from './schema-helpers.js';
import { spec as specSchema } from './schema/spec.js';
import type { AlmaRestore, AlmaRestoreSpec, RestoreHistory } from './types.js';

/** Image of the step runners when neither spec.steps.runnerImage nor the controller names one. */
export const DEFAULT_RUNNER_IMAGE = 'alma-restore-operator:0.1.0';

/** The spec as the API server stores it: every schema default applied (Defaulted<> of the schema). */
export type DefaultedSpec = Defaulted<typeof specSchema>;
type DefaultedDatabase = DefaultedSpec['database'];
type DefaultedManaged = NonNullable<DefaultedDatabase['managed']>;
type ResourceList = NonNullable<NonNullable<DefaultedManaged['resources']['limits']>>;

export type ResolvedInstitution = Required<DefaultedSpec['institutions'][number]>;

export type ResolvedManaged = Omit<
  DefaultedManaged,
  'storageClassName' | 'resources' | 'imagePullSecrets'
> & {
  imagePullSecrets: string[];
  /** spec.database.managed.storageClassName, else spec.storage.storageClassName; absent = cluster default. */
  storageClassName?: string;
  /** The memory limit is there: the CEL rule memoryLimit requires it. */
  resources: { requests: ResourceList; limits: ResourceList & { memory: string } };
};

/** The defaulted spec, and what the defaults of the schema cannot say: the ones that depend on an institution's position, the controller, or another field. */
export type ResolvedSpec = Omit<DefaultedSpec, 'institutions' | 'database' | 'import' | 'steps'> & {
  institutions: ResolvedInstitution[];
  database: Omit<DefaultedDatabase, 'managed'> & { managed?: ResolvedManaged };
  import: Omit<DefaultedSpec['import'], 'ignorableErrors' | 'impdpImage'> & {
    ignorableErrors: string[];
    /** For engine impdp: spec.import.impdpImage, else the managed database image. */
    impdpImage?: string;
  };
  steps: Required<DefaultedSpec['steps']>;
};

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
  const d: DefaultedSpec = withDefaults(spec, specSchema);
  const { managed: asGiven, ...database } = d.database;
  const managed = asGiven && resolveManaged(asGiven, d.storage.storageClassName);
  const impdpImage = d.import.impdpImage ?? managed?.image;
  return {
    ...d,
    institutions: d.institutions.map((inst, i) => ({
      institutionId: inst.institutionId,
      bibRecords: inst.bibRecords,
      schema: inst.schema ?? defaultSchemaName(i),
      tablespace: inst.tablespace ?? defaultTablespaceName(i),
    })),
    database: managed ? { ...d.database, managed } : database,
    import: {
      ...d.import,
      ignorableErrors: d.import.ignorableErrors ?? [],
      ...(impdpImage !== undefined ? { impdpImage } : {}),
    },
    steps: { ...d.steps, runnerImage: d.steps.runnerImage ?? opts.runnerImage ?? DEFAULT_RUNNER_IMAGE },
  };
}

function resolveManaged(m: DefaultedManaged, storageClassName: string | undefined): ResolvedManaged {
  const memory = m.resources.limits?.memory;
  if (memory === undefined)
    throw new Error(
      'spec.database.managed.resources.limits.memory is required (the API server refuses a managed database without it)',
    );
  const { storageClassName: own, ...rest } = m;
  const sc = own ?? storageClassName;
  // Spread then override: the fields keep their places, the added ones come last, as before.
  return {
    ...(sc !== undefined ? { ...m, storageClassName: sc } : rest),
    imagePullSecrets: m.imagePullSecrets ?? [],
    resources: {
      ...m.resources,
      requests: m.resources.requests ?? {},
      limits: { ...m.resources.limits, memory },
    },
  };
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
