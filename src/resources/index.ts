// Everything an AlmaRestore owns, built in one call: what the controller creates (in this order)
// and what `alma-restore plan` prints. Pure.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ResolvedAlmaRestore } from '../api/defaults.js';
import { buildStepConfig } from './step-config-builder.js';
import type { SizingPlan } from '../api/types.js';
import { STEP_NAMES, type StepName } from '../contract/result.js';
import { buildStepConfigMap } from './configmap.js';
import { buildDatabaseService, buildDatabaseStatefulSet } from './database.js';
import { buildStepJob } from './job.js';
import { buildStagingPvc } from './staging.js';

export * from './configmap.js';
export * from './database.js';
export * from './job.js';
export * from './meta.js';
export * from './names.js';
export * from './staging.js';

export interface DesiredResources {
  configMap: ReturnType<typeof buildStepConfigMap>;
  stagingPvc?: ReturnType<typeof buildStagingPvc>;
  databaseService?: ReturnType<typeof buildDatabaseService>;
  databaseStatefulSet?: ReturnType<typeof buildDatabaseStatefulSet>;
  /** The Job of a step attempt (attempt 1 is the first run). */
  job(step: StepName, attempt: number): ReturnType<typeof buildStepJob>;
}

export function desiredResources(restore: ResolvedAlmaRestore, plan: SizingPlan): DesiredResources {
  const stagingPvc = buildStagingPvc(restore, plan);
  const databaseService = buildDatabaseService(restore);
  const databaseStatefulSet = buildDatabaseStatefulSet(restore, plan);
  return {
    configMap: buildStepConfigMap(restore, buildStepConfig(restore, plan)),
    ...(stagingPvc ? { stagingPvc } : {}),
    ...(databaseService ? { databaseService } : {}),
    ...(databaseStatefulSet ? { databaseStatefulSet } : {}),
    job: (step, attempt) => buildStepJob(restore, step, attempt),
  };
}

/** All of it as a list, the first attempt of each step included, in creation order. */
export function allResources(restore: ResolvedAlmaRestore, plan: SizingPlan): KubernetesObject[] {
  const d = desiredResources(restore, plan);
  return [
    d.configMap,
    d.stagingPvc,
    d.databaseService,
    d.databaseStatefulSet,
    ...STEP_NAMES.map((step) => d.job(step, 1)),
  ].filter((r): r is NonNullable<typeof r> => r !== undefined);
}
