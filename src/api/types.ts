// The AlmaRestore API (almarestore.io/v1alpha1), as TypeScript types. Each is Static<> of its
// TypeBox schema in src/api/schema/ (the same schema crd.ts writes into the CRD), so a field
// added, removed or made optional there changes the type here; nothing is mirrored by hand.
import type { Static } from '@sinclair/typebox';
import type { StepProgress as ContractStepProgress } from '../contract/progress-record.js';
import type { almaRestoreSchema } from './crd.js';
import type { database, existing, institution, managed, resourceList, sftp } from './schema/spec-inputs.js';
import type {
  importSpec,
  postImport,
  retention,
  spec,
  steps,
  storage,
  tablespaceGuard,
} from './schema/spec.js';
import type { condition, status, stepProgress, stepStatus } from './schema/status.js';

export const GROUP = 'almarestore.io';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'AlmaRestore';
export const PLURAL = 'almarestores';

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

type Item<T> = T extends readonly (infer I)[] ? I : never;

export type AlmaRestoreSpec = Static<typeof spec>;
export type InstitutionSpec = Static<typeof institution>;
export type SftpSourceSpec = Static<typeof sftp>;
export type ResourceList = Static<ReturnType<typeof resourceList>>;
export type ManagedDatabaseSpec = Static<typeof managed>;
export type ResourceRequirements = NonNullable<ManagedDatabaseSpec['resources']>;
export type ExistingDatabaseSpec = Static<typeof existing>;
export type DatabaseSpec = Static<typeof database>;
export type StorageSpec = Static<typeof storage>;
export type ImportSpec = Static<typeof importSpec>;
export type PostImportSpec = Static<typeof postImport>;
export type InventoryCheckSpec = NonNullable<PostImportSpec['inventory']>;
export type TablespaceGuardSpec = Static<typeof tablespaceGuard>;
export type StepsSpec = Static<typeof steps>;
export type RetentionSpec = Static<typeof retention>;

export type AlmaRestoreStatus = Static<typeof status>;
export type Condition = Static<typeof condition>;
export type SizingPlan = NonNullable<AlmaRestoreStatus['plan']>;
export type InstitutionPlan = Item<SizingPlan['institutions']>;
export type StepStatus = Static<ReturnType<typeof stepStatus>>;
/** What a running step last reported about itself: status.steps.<step>.progress. */
export type StepProgress = Static<typeof stepProgress>;
export type VerificationCheck = Item<Item<NonNullable<AlmaRestoreStatus['verification']>>['checks']>;
export type InstitutionInventoryStatus = Item<NonNullable<AlmaRestoreStatus['inventory']>>;
export type InventoryAreaStatus = Item<InstitutionInventoryStatus['areas']>;
export type RestoreHistory = Item<NonNullable<AlmaRestoreStatus['history']>>;

/** Compatible with client-node's KubernetesObject; the API server always sets metadata.name. */
export type AlmaRestore = Static<typeof almaRestoreSchema>;

// The step contract (src/contract/, below this layer) declares the progress record the steps log;
// the status schema must hold exactly that record. Both directions, so neither side can drift.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const progressIsTheContracts: Same<StepProgress, ContractStepProgress> = true;
void progressIsTheContracts;
