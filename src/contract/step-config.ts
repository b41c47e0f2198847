// The step configuration contract. The controller renders one StepConfig per AlmaRestore into a
// ConfigMap (mounted at /etc/alma-restore/restore.json in every step Job); a person running a
// step by hand writes the same JSON. It holds no secret: secrets are files in mounted Secret
// directories, and only their paths appear here.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UserFacingError } from '../errors.js';

export const DEFAULT_CONFIG_PATH = '/etc/alma-restore/restore.json';
export const STAGING_MOUNT = '/staging';
export const SECRETS_ROOT = '/var/run/secrets/alma';

export interface InstitutionConfig {
  institutionId: string;
  schema: string;
  tablespace: string;
  bibRecords: number;
  /** Planned tablespace size in bytes, the vendor's 20% headroom included. */
  tablespaceBytes: number;
  /** The same institution's inventory in its previous Succeeded restore, to compare with. */
  previous?: InventoryBaseline;
}

/** An earlier restore's inventory figures (null: that area was not in its delivery). */
export interface InventoryBaseline {
  /** namespace/name of the earlier AlmaRestore. */
  restore: string;
  completedAt?: string;
  figures: Record<string, number | null>;
}

export interface StepConfig {
  restore: { namespace: string; name: string };
  customerId: string;
  institutions: InstitutionConfig[];
  /** Where the staging volume is mounted in the step's pod. */
  stagingDir: string;
  sftp: {
    host: string;
    port: number;
    directory: string;
    /** Directory with files: username, and password or privateKey (+ passphrase), and knownHosts. */
    credentialsDir: string;
    insecureSkipHostKeyVerification: boolean;
    waitForDeliverySeconds: number;
    stableForSeconds: number;
    mode: 'stream' | 'stage';
  };
  database: {
    /** Easy Connect string to the PDB service. */
    connectString: string;
    /** Easy Connect string to CDB$ROOT (same admin credentials), for CDB-wide changes: redo logs. */
    rootConnectString?: string;
    /** Directory with files: username, password (the admin account; never SYSDBA). */
    credentialsDir: string;
    /** File holding the schema users' password. */
    schemaPasswordFile: string;
    /** Base name of the Oracle directory objects (EXP_DIR); one per institution, see layout. */
    directoryName: string;
    /** Where the staging volume is mounted on the database server. */
    directoryPath: string;
    managed: boolean;
    allowRedoLogChanges: boolean;
    replaceExistingSchema: boolean;
  };
  import: {
    engine: 'datapump-api' | 'impdp';
    parallelism: 'auto' | number;
    tableExistsAction: 'SKIP' | 'APPEND' | 'TRUNCATE' | 'REPLACE';
    ignorableErrors: string[];
  };
  postImport: {
    recompileInvalid: boolean;
    rebuildUnusableIndexes: boolean;
    disableVpdPolicies: boolean;
    gatherStatistics: boolean;
    runVendorScript: boolean;
    /** File holding the webhook URL (from a Secret), if any. */
    webhookUrlFile?: string;
    /** Tolerances of the data inventory's checks; absent in hand-written configs: 0.1 and 0.02. */
    inventory?: { bibRecordsTolerance: number; dropTolerance: number };
  };
  tablespaceGuard: { alertRatio: number; autoAddDatafiles: boolean };
}

/** Where one institution's files and Oracle objects live. Pure, shared by every step. */
export interface InstitutionLayout {
  /** The tarball's own folder name, `local_<Cust>_<Inst>`. */
  folder: string;
  /** Dump files, as seen by the step pod. */
  localDir: string;
  /** The same folder as the database server sees it. */
  databaseDir: string;
  /** Oracle directory object pointing at databaseDir. */
  directoryObject: string;
  /** The delivered scripts (unzipped), as seen by the step pod. */
  scriptsDir: string;
  /** The delivered parfile, as seen by the step pod. */
  parfilePath: string;
  /** Reports of the steps, as seen by the step pod. */
  reportDir: string;
  /** Data Pump job name: deterministic per restore and institution, <= 128 chars, upper case. */
  dataPumpJobName: string;
}

/** Where every step writes its full report (`<step>-report.json`), on the staging volume. */
export function stepReportDir(config: Pick<StepConfig, 'stagingDir'>): string {
  return path.posix.join(config.stagingDir, 'reports');
}

export function institutionLayout(config: StepConfig, inst: InstitutionConfig): InstitutionLayout {
  const tag = `${config.customerId}_${inst.institutionId}`;
  const folder = `local_${tag}`;
  const localDir = path.posix.join(config.stagingDir, folder);
  const jobBase = `ALMA_${config.restore.name}_${inst.institutionId}`
    .toUpperCase()
    .replace(/[^A-Z0-9_]/g, '_');
  return {
    folder,
    localDir,
    databaseDir: path.posix.join(config.database.directoryPath, folder),
    directoryObject: `${config.database.directoryName}_${inst.institutionId}`.toUpperCase(),
    scriptsDir: path.posix.join(localDir, 'scripts'),
    parfilePath: path.posix.join(localDir, 'scripts', `final_script_par.${tag}`),
    reportDir: stepReportDir(config),
    dataPumpJobName: jobBase.slice(0, 128),
  };
}

export async function loadStepConfig(file: string): Promise<StepConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UserFacingError(
      `cannot read the step configuration ${file}: ${(err as Error).message}`,
      'ConfigMissing',
    );
  }
  try {
    return JSON.parse(text) as StepConfig;
  } catch (err) {
    throw new UserFacingError(
      `the step configuration ${file} is not JSON: ${(err as Error).message}`,
      'ConfigInvalid',
    );
  }
}

/** Reads a secret file, trimming one trailing newline (kubectl create secret --from-file adds none, editors do). */
export async function readSecretFile(file: string): Promise<string> {
  const text = await readFile(file, 'utf8');
  return text.replace(/\r?\n$/, '');
}
