// Connects the tablespace guard to the controller: while a restore is Importing, each check of the
// guard loop (guard-loop.ts) opens an admin session on its database (credentials read from the
// Secret through the API), lets the guard measure and add datafiles, and grows the managed
// database's volume when the volume itself is the limit and its StorageClass allows expansion.
import * as k8s from '@kubernetes/client-node';
import { buildStepConfig, MANAGED_ADMIN_USER } from '../resources/step-config-builder.js';
import { parseDurationSeconds } from '../api/duration.js';
import { formatGiB, parseQuantity } from '../api/quantity.js';
import type { AlmaRestore, AlmaRestoreStatus } from '../api/types.js';
import { UserFacingError } from '../errors.js';
import type { Logger } from '../logging.js';
import type { DatabaseCredentials } from '../oracle/connection.js';
import type { DictionarySession } from '../oracle/dictionary.js';
import { openDictionary } from '../oracle/dictionary-oracledb.js';
import { databaseDataClaimName } from '../resources/names.js';
import type { Metrics } from '../runtime/metrics.js';
import { institutionLayout, type StepConfig } from '../contract/step-config.js';
import type { DesiredState } from './desired.js';
import type { TablespaceGuardHook } from './reconciler.js';
import { TablespaceGuard } from './tablespace-guard.js';

export type DictionaryOpener = (
  config: StepConfig,
  credentials: DatabaseCredentials,
) => Promise<DictionarySession>;

// The guard runs in the guard loop, a bounded number of checks at once: an unreachable database
// must give its slot back quickly (the next check tries again) instead of holding it for the
// driver's 20 s default, and a hung one must not hold it forever. A call may take minutes, though: adding a 1 GiB datafile
// formats it, on storage that the import keeps busy.
export const GUARD_CONNECT_TIMEOUT_SECONDS = 10;
export const GUARD_CALL_TIMEOUT_MS = 5 * 60_000;

const openRealDictionary: DictionaryOpener = (config, credentials) =>
  openDictionary(config, {
    module: 'alma-restore-guard',
    credentials,
    connectTimeoutSeconds: GUARD_CONNECT_TIMEOUT_SECONDS,
    callTimeoutMs: GUARD_CALL_TIMEOUT_MS,
  });

async function adminCredentials(core: k8s.CoreV1Api, desired: DesiredState): Promise<DatabaseCredentials> {
  const { namespace, spec } = desired.resolved;
  const { managed, existing } = spec.database;
  const secretName = managed ? managed.adminPasswordSecret : existing!.adminCredentialsSecret;
  const secret = await core.readNamespacedSecret({ namespace, name: secretName }).catch((err: unknown) => {
    throw new UserFacingError(
      `cannot read the database admin Secret ${namespace}/${secretName}: ${(err as { code?: number }).code ?? String(err)}`,
      'SecretInvalid',
    );
  });
  const value = (key: string) => {
    const b64 = secret.data?.[key];
    if (!b64)
      throw new UserFacingError(`Secret ${namespace}/${secretName} has no key "${key}"`, 'SecretInvalid');
    return Buffer.from(b64, 'base64')
      .toString('utf8')
      .replace(/\r?\n$/, '');
  };
  return { username: managed ? MANAGED_ADMIN_USER : value('username'), password: value('password') };
}

export function createGuardHook(deps: {
  kc: k8s.KubeConfig;
  metrics: Metrics;
  log: Logger;
  openDictionary?: DictionaryOpener;
}): TablespaceGuardHook {
  const core = deps.kc.makeApiClient(k8s.CoreV1Api);
  const storage = deps.kc.makeApiClient(k8s.StorageV1Api);
  const open = deps.openDictionary ?? openRealDictionary;

  /** Grows the managed database's data claim by `bytes` when its StorageClass allows it. */
  async function growVolume(desired: DesiredState, bytes: number): Promise<string> {
    const { namespace, name, spec } = desired.resolved;
    if (!spec.database.managed)
      return `the database volume is the limit; grow it by ${bytes} bytes by hand (existing database)`;
    const claimName = databaseDataClaimName(name);
    const claim = await core.readNamespacedPersistentVolumeClaim({ namespace, name: claimName });
    const className = claim.spec?.storageClassName;
    const sc = className
      ? await storage.readStorageClass({ name: className }).catch(() => undefined)
      : undefined;
    const plan = planVolumeGrowth(claim, sc, bytes);
    if (plan.target) {
      await core.patchNamespacedPersistentVolumeClaim(
        { namespace, name: claimName, body: { spec: { resources: { requests: { storage: plan.target } } } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
    }
    return plan.message;
  }

  return {
    async check(_restore: AlmaRestore, desired: DesiredState) {
      const { spec } = desired.resolved;
      const config = buildStepConfig(desired.resolved, desired.plan);
      const credentials = await adminCredentials(core, desired);
      const guard = new TablespaceGuard({
        restore: { namespace: desired.resolved.namespace, name: desired.resolved.name },
        targets: spec.institutions.map((i) => ({ institutionId: i.institutionId, tablespace: i.tablespace })),
        alertRatio: spec.tablespaceGuard.alertRatio,
        autoAddDatafiles: spec.tablespaceGuard.autoAddDatafiles,
        metrics: deps.metrics,
        openDictionary: () => open(config, credentials),
        logger: deps.log,
      });
      const report = await guard.check();
      const actions = [...report.actions];
      const alerts = report.alert ? [report.message] : [];
      if (report.volume.limited && spec.tablespaceGuard.autoGrowVolume) {
        const action = await growVolume(desired, report.volume.bytesNeeded);
        actions.push({ time: report.time, action });
        alerts.push(action);
      }
      const tablespaces: AlmaRestoreStatus['tablespaces'] = report.tablespaces
        .filter((t) => !t.error)
        .map((t) => ({
          institutionId: t.institutionId,
          tablespace: t.tablespace,
          usedRatio: t.usedRatio,
          usedBytes: t.usedBytes,
          allocatedBytes: t.allocatedBytes,
          maxBytes: t.maxBytes,
        }));
      const session = await open(config, credentials);
      let importFraction: number | undefined;
      try {
        importFraction = await readImportFraction(session, config);
      } finally {
        await session.close();
      }
      return {
        ...(importFraction !== undefined ? { importFraction } : {}),
        tablespaces,
        actions,
        alerts,
        pollAfterMs: parseDurationSeconds(spec.tablespaceGuard.interval) * 1000,
      };
    },
  };
}

/**
 * How much of the import is done, 0..1, from the Data Pump jobs in the database. The import step
 * runs the institutions in order, so those before the one with a live job are complete; with no
 * live job at all the fraction is unknown (not started yet, or finished: the Job says which).
 */
export async function readImportFraction(
  session: Pick<DictionarySession, 'dataPumpProgress'>,
  config: StepConfig,
): Promise<number | undefined> {
  const progress = [];
  for (const inst of config.institutions) {
    progress.push(await session.dataPumpProgress(institutionLayout(config, inst).dataPumpJobName));
  }
  const current = progress.findLastIndex((p) => p !== undefined);
  if (current < 0) return undefined;
  const done = current * 100 + (progress[current]!.percent ?? 0);
  return done / (100 * config.institutions.length);
}

/**
 * Whether and how far to grow the database's data claim. Pure. The guard sees the disk as the
 * limit until the filesystem has really grown, so while an expansion is under way (the claim's
 * status.capacity below its request) nothing more is asked: growing again each pass would
 * request far more than needed.
 */
export function planVolumeGrowth(
  claim: Pick<k8s.V1PersistentVolumeClaim, 'metadata' | 'spec' | 'status'>,
  storageClass: Pick<k8s.V1StorageClass, 'allowVolumeExpansion'> | undefined,
  bytes: number,
): { target?: string; message: string } {
  const claimName = claim.metadata?.name ?? '(unnamed)';
  const className = claim.spec?.storageClassName;
  if (!storageClass?.allowVolumeExpansion) {
    return {
      message: `the database volume ${claimName} is the limit and StorageClass ${className ?? '(default)'} does not allow expansion: grow it by ${bytes} bytes by hand`,
    };
  }
  const requested = parseQuantity(claim.spec?.resources?.requests?.storage ?? '0');
  const capacity = parseQuantity(claim.status?.capacity?.storage ?? '0');
  if (capacity < requested) {
    return {
      message: `the database volume ${claimName} is the limit; its expansion to ${formatGiB(requested)} is still under way (capacity ${formatGiB(capacity)}): waiting for it before asking for more`,
    };
  }
  const target = formatGiB(requested + bytes);
  return { target, message: `grew the database volume ${claimName} to ${target}` };
}
