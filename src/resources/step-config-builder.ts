// Builds the StepConfig (src/contract/step-config.ts) that every step Job reads, from a resolved
// AlmaRestore and its sizing plan. No secret inside: only the paths where the Job builder mounts
// the Secrets (SECRET_DIRS). Pure.
import {
  SECRETS_ROOT,
  STAGING_MOUNT,
  type InventoryBaseline,
  type StepConfig,
} from '../contract/step-config.js';
import { databaseName } from './names.js';
import type { ResolvedAlmaRestore } from '../api/defaults.js';
import { parseDurationSeconds } from '../api/duration.js';
import type { RestoreHistory, SizingPlan } from '../api/types.js';

/** Where each Secret is mounted in a step pod (its keys become files). */
export const SECRET_DIRS = {
  sftp: `${SECRETS_ROOT}/sftp`,
  dbAdmin: `${SECRETS_ROOT}/db-admin`,
  schema: `${SECRETS_ROOT}/schema`,
  webhook: `${SECRETS_ROOT}/webhook`,
} as const;

/** Where the managed database container mounts the staging volume (the directory objects' path). */
export const ORACLE_STAGING_PATH = '/opt/oracle/staging';
export const ORACLE_PORT = 1521;
/** The managed database's admin account for the steps: not SYSDBA, as Data Pump wants. */
export const MANAGED_ADMIN_USER = 'SYSTEM';

export function connectString(restore: ResolvedAlmaRestore): string {
  const { managed, existing } = restore.spec.database;
  if (existing) return existing.connectString;
  if (!managed) throw new Error('database has neither managed nor existing');
  return `${databaseName(restore.name)}.${restore.namespace}.svc:${ORACLE_PORT}/${managed.pdb}`;
}

export function buildStepConfig(restore: ResolvedAlmaRestore, plan: SizingPlan): StepConfig {
  const { spec } = restore;
  const sftp = spec.source.sftp;
  const db = spec.database;
  const post = spec.import.postImport;
  return {
    restore: { namespace: restore.namespace, name: restore.name },
    customerId: spec.customerId,
    institutions: spec.institutions.map((inst) => {
      const planned = plan.institutions.find((p) => p.institutionId === inst.institutionId);
      if (!planned) throw new Error(`the plan has no institution ${inst.institutionId}`);
      const previous = restore.history?.find((h) => h.institutionId === inst.institutionId);
      return {
        institutionId: inst.institutionId,
        schema: inst.schema,
        tablespace: inst.tablespace,
        bibRecords: inst.bibRecords,
        tablespaceBytes: planned.tablespaceBytes,
        ...(previous ? { previous: baselineOf(previous) } : {}),
      };
    }),
    stagingDir: STAGING_MOUNT,
    sftp: {
      host: sftp.host,
      port: sftp.port,
      directory: sftp.directory,
      credentialsDir: SECRET_DIRS.sftp,
      insecureSkipHostKeyVerification: sftp.insecureSkipHostKeyVerification,
      waitForDeliverySeconds: parseDurationSeconds(sftp.waitForDelivery),
      stableForSeconds: parseDurationSeconds(sftp.stableFor),
      mode: sftp.mode,
    },
    database: {
      connectString: connectString(restore),
      // Redo logs are CDB-wide: prepare adds groups from CDB$ROOT, whose service is the SID.
      ...(db.managed
        ? {
            rootConnectString: `${databaseName(restore.name)}.${restore.namespace}.svc:${ORACLE_PORT}/${db.managed.sid}`,
          }
        : {}),
      credentialsDir: SECRET_DIRS.dbAdmin,
      schemaPasswordFile: `${SECRET_DIRS.schema}/password`,
      directoryName: db.directoryName,
      directoryPath: db.existing ? db.existing.stagingPath : ORACLE_STAGING_PATH,
      managed: !!db.managed,
      // The operator owns a managed database, so it may size its redo logs as the vendor asks.
      allowRedoLogChanges: db.existing ? db.existing.allowRedoLogChanges : true,
      replaceExistingSchema: db.replaceExistingSchema,
    },
    import: {
      engine: spec.import.engine,
      parallelism: spec.import.parallelism,
      tableExistsAction: spec.import.tableExistsAction,
      ignorableErrors: [...spec.import.ignorableErrors],
    },
    postImport: {
      recompileInvalid: post.recompileInvalid,
      rebuildUnusableIndexes: post.rebuildUnusableIndexes,
      disableVpdPolicies: post.disableVpdPolicies,
      gatherStatistics: post.gatherStatistics,
      runVendorScript: post.runVendorScript,
      ...(post.webhookSecret ? { webhookUrlFile: `${SECRET_DIRS.webhook}/url` } : {}),
      inventory: {
        bibRecordsTolerance: post.inventory.bibRecordsTolerance,
        dropTolerance: post.inventory.dropTolerance,
      },
    },
    tablespaceGuard: {
      alertRatio: spec.tablespaceGuard.alertRatio,
      autoAddDatafiles: spec.tablespaceGuard.autoAddDatafiles,
    },
  };
}

/** An earlier restore's figures as the verify step compares with them (null: not in that delivery). */
function baselineOf(h: RestoreHistory): InventoryBaseline {
  return {
    restore: h.restore,
    ...(h.completedAt ? { completedAt: h.completedAt } : {}),
    figures: Object.fromEntries(h.figures.map((f) => [f.area, f.count ?? null])),
  };
}
