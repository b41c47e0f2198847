// What should exist for one AlmaRestore: its resolved spec, sizing plan and children, from the
// pure builders in src/api and src/resources, plus the few facts the reconciler asks about.
import type {
  V1ConfigMap,
  V1Job,
  V1PersistentVolumeClaim,
  V1Service,
  V1StatefulSet,
} from '@kubernetes/client-node';
import { resolveAlmaRestore, type ResolvedAlmaRestore } from '../api/defaults.js';
import { planSizing } from '../api/sizing.js';
import type { AlmaRestore, SizingPlan } from '../api/types.js';
import { databaseName, desiredResources, stagingClaimName } from '../resources/index.js';
import type { StepName } from '../contract/result.js';

export interface DesiredState {
  resolved: ResolvedAlmaRestore;
  plan: SizingPlan;
  children: {
    configMap: V1ConfigMap;
    stagingPvc?: V1PersistentVolumeClaim;
    service?: V1Service;
    statefulSet?: V1StatefulSet;
  };
  stepJob(step: StepName, attempt: number): V1Job;
  /** The claim the dump files live on: ours (managed) or the existing database's. */
  stagingClaimName: string;
  /** Name of the managed database's StatefulSet; absent for an existing database. */
  databaseStatefulSet?: string;
  /** Identifies the target database, for the per-database concurrency limit. */
  databaseKey: string;
  deleteStagingOnSuccess: boolean;
}

export function buildDesiredState(restore: AlmaRestore, options: { runnerImage: string }): DesiredState {
  const resolved = resolveAlmaRestore(restore, { runnerImage: options.runnerImage });
  const plan = planSizing(resolved.spec, resolved.history);
  const resources = desiredResources(resolved, plan);
  const existing = resolved.spec.database.existing;
  return {
    resolved,
    plan,
    children: {
      configMap: resources.configMap,
      ...(resources.stagingPvc ? { stagingPvc: resources.stagingPvc } : {}),
      ...(resources.databaseService ? { service: resources.databaseService } : {}),
      ...(resources.databaseStatefulSet ? { statefulSet: resources.databaseStatefulSet } : {}),
    },
    stepJob: resources.job,
    stagingClaimName: existing ? existing.stagingClaimName : stagingClaimName(resolved.name),
    ...(existing ? {} : { databaseStatefulSet: databaseName(resolved.name) }),
    databaseKey: databaseKey(restore),
    deleteStagingOnSuccess: resolved.spec.retention.deleteStagingOnSuccess,
  };
}

/** Identifies a restore's target database; needs no defaults, so the queue can ask it of every restore. */
export function databaseKey(restore: AlmaRestore): string {
  const existing = restore.spec.database.existing;
  return existing
    ? `existing/${existing.connectString.toLowerCase()}`
    : `managed/${restore.metadata.namespace}/${restore.metadata.name}`;
}
