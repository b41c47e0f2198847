// What every concern of a reconcile pass (admission, provisioning, step Jobs, lifecycle, deletion)
// is handed: the watched caches, the options, the writers (status, Events, Jobs), the clock and
// the metrics. The concern modules are functions of (Pass, restore); the I/O they send goes through
// the narrow interfaces here, so their unit tests run against in-memory doubles.
import type * as k8s from '@kubernetes/client-node';
import type { AdmissionGate } from './admission-gate.js';
import type { AlmaRestore, AlmaRestoreStatus } from '../api/types.js';
import type { Logger } from '../logging.js';
import type { Metrics } from '../runtime/metrics.js';
import type { StepName } from '../contract/result.js';
import type { Caches } from './caches.js';
import type { DesiredState } from './desired.js';
import type { EventRecorder } from './events.js';
import type { StatusWriter } from './status.js';

export const FINALIZER = 'almarestore.io/cleanup';
export const RETRY_ANNOTATION = 'almarestore.io/retry';
/** status.actions keeps this many entries. */
export const MAX_ACTIONS = 50;

export interface ControllerOptions {
  /** Restores past Planning at once, in total. */
  maxConcurrentRestores: number;
  /** Restores past Planning at once against one database. */
  maxConcurrentPerDatabase: number;
  /** How long a PVC may stay Pending before the restore fails with StorageUnavailable. */
  pvcBindTimeoutMs: number;
  /** How long the managed database may take to become ready (DBCA's first start is slow). */
  databaseReadyTimeoutMs: number;
  /** The image the step Jobs run (the controller's own). */
  runnerImage: string;
  /** How long a step or database pod may stay blocked (image, Secret, scheduling) before the restore fails. */
  podBlockedTimeoutMs: number;
}

/** One guard check's findings: what to put in status. */
export type GuardReport = Pick<AlmaRestoreStatus, 'tablespaces' | 'actions'> & {
  alerts: string[];
  pollAfterMs: number;
  /** Share of the import done (0..1), when the database can tell. */
  importFraction?: number;
};

export interface TablespaceGuardHook {
  /** Runs one guard check for a restore in Importing (database calls); returns what to put in status. */
  check(restore: AlmaRestore, desired: DesiredState): Promise<GuardReport>;
}

/**
 * What a reconcile pass sees of the guard loop (guard-loop.ts): every call is synchronous and
 * cheap; the database calls run in the loop, never in a reconcile worker.
 */
export interface GuardRegistry {
  /** The restore is Importing with this desired state: the loop checks it on its own schedule. */
  register(key: string, restore: AlmaRestore, desired: DesiredState): void;
  /** No longer Importing (or gone): dropped, and a check still running is discarded when it ends. */
  unregister(key: string): void;
  /** The newest report not yet recorded in status, with its sequence number. */
  pending(key: string): { seq: number; report: GuardReport } | undefined;
  /** The report with this sequence number is in status (and its Events recorded). */
  recorded(key: string, seq: number): void;
}

export interface ReconcileResult {
  requeueAfterMs?: number;
}

/** The step Job requests the controller sends. */
export interface JobApi {
  /** The Job from the API server (when the cache may lag a create); undefined when absent. */
  read(namespace: string, name: string): Promise<k8s.V1Job | undefined>;
  /** Creates the Job; one that already exists (a pass that crashed before recording it) is not an error. */
  create(namespace: string, body: k8s.V1Job): Promise<void>;
  /** Deletes the Job and, in the background, its pods; an absent Job is not an error. */
  delete(namespace: string, name: string): Promise<void>;
  setSuspend(namespace: string, name: string, suspend: boolean): Promise<void>;
}

/** The last-progress gauge (the Stalled alert) and the per-restore metrics (restore-metrics.ts). */
export interface ProgressMarks {
  /** The restore moved (a phase change, or its percent grew). */
  markProgress(restore: AlmaRestore, at?: Date): void;
}

export interface Pass extends ProgressMarks {
  kc: k8s.KubeConfig;
  core: k8s.CoreV1Api;
  caches: Caches;
  options: ControllerOptions;
  events: EventRecorder;
  log: Logger;
  metrics: Metrics;
  guard?: GuardRegistry;
  status: StatusWriter;
  jobs: JobApi;
  now(): Date;
  /**
   * Adds the finalizer if the restore lacks it, updating `restore` in place: called before the
   * first child is created (admission to Provisioning, and every pass that may create one), never
   * earlier, so a restore that owns nothing yet costs no finalizer write and is deleted at once.
   */
  ensureFinalizer(restore: AlmaRestore): Promise<void>;
  /** Admission one decision at a time, counting its own admissions (admission-gate.ts). */
  admissions: AdmissionGate;
}

/** The time as status carries it (whole seconds). */
export const isoNow = (pass: Pick<Pass, 'now'>) =>
  pass
    .now()
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z');

export function apiCode(err: unknown): number | undefined {
  return (err as { code?: number }).code;
}

export async function ignore404<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (apiCode(err) === 404) return undefined;
    throw err;
  }
}

/** A child of this AlmaRestore, not of an earlier one of the same name. */
export function ownedBy(o: k8s.KubernetesObject, restore: AlmaRestore): boolean {
  return !!o.metadata?.ownerReferences?.some((r) => r.uid === restore.metadata.uid);
}

export function isStep(s: string): s is StepName {
  return s === 'fetch' || s === 'prepare' || s === 'import' || s === 'verify';
}

export function appendAction(
  restore: AlmaRestore,
  time: string,
  action: string,
): AlmaRestoreStatus['actions'] {
  return [...(restore.status?.actions ?? []), { time, action }].slice(-MAX_ACTIONS);
}

export function jobCondition(job: k8s.V1Job, type: 'Complete' | 'Failed'): k8s.V1JobCondition | undefined {
  return job.status?.conditions?.find((c) => c.type === type && c.status === 'True');
}
