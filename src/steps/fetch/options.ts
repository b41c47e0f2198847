// The fetch step's settings: the StepConfig (what the controller renders) with command-line flags
// on top (what a person running the step by hand types). Pure apart from reading the config file.
import { existsSync } from 'node:fs';
import { UserFacingError } from '../../errors.js';
import { parseDurationFlag } from '../options.js';
import {
  DEFAULT_CONFIG_PATH,
  institutionLayout,
  loadStepConfig,
  type InstitutionConfig,
  type StepConfig,
} from '../../contract/step-config.js';

export interface FetchFlags {
  config?: string;
  host?: string;
  port?: string;
  directory?: string;
  customer?: string;
  institution?: string[];
  credentialsDir?: string;
  dest?: string;
  mode?: string;
  wait?: string;
  stableFor?: string;
  reportDir?: string;
  insecureSkipHostKeyVerification?: boolean;
  progressInterval?: string;
  reserve?: string;
  keepParts?: boolean;
  terminationLog?: string;
}

export interface FetchSettings {
  config: StepConfig;
  reportDir: string;
  progressIntervalMs: number;
  /** Bytes always left free on the staging volume. */
  reserveBytes: number;
  keepParts: boolean;
  terminationLog?: string;
}

const SIZE = /^(\d+(?:\.\d+)?)\s*([KMGT]i?B?|B)?$/i;

/** "512M", "1GiB", "1048576" -> bytes. */
export function parseSize(text: string, what: string): number {
  const m = SIZE.exec(text.trim());
  if (!m)
    throw new UserFacingError(
      `${what} ${JSON.stringify(text)} is not a size (e.g. 512Mi, 2G, 1048576)`,
      'InvalidFlag',
    );
  const unit = (m[2] ?? '').charAt(0).toUpperCase();
  const power = { '': 0, B: 0, K: 1, M: 2, G: 3, T: 4 }[unit] ?? 0;
  return Math.round(Number(m[1]) * 1024 ** power);
}

/** The vendor's advice for a consortium: EXL_ADMIN / USERS, then EXL_ADMIN_2 / USERS2, ... */
export function defaultInstitution(institutionId: string, index: number): InstitutionConfig {
  return {
    institutionId,
    schema: index === 0 ? 'EXL_ADMIN' : `EXL_ADMIN_${index + 1}`,
    tablespace: index === 0 ? 'USERS' : `USERS${index + 1}`,
    bibRecords: 0,
    tablespaceBytes: 0,
  };
}

/** A configuration skeleton for runs by hand without a config file. */
function emptyConfig(): StepConfig {
  return {
    restore: { namespace: '', name: 'manual' },
    customerId: '',
    institutions: [],
    stagingDir: '',
    sftp: {
      host: '',
      port: 22,
      directory: '.',
      credentialsDir: '',
      insecureSkipHostKeyVerification: false,
      waitForDeliverySeconds: 0,
      stableForSeconds: 10,
      mode: 'stream',
    },
    database: {
      connectString: '',
      credentialsDir: '',
      schemaPasswordFile: '',
      directoryName: 'EXP_DIR',
      directoryPath: '',
      managed: false,
      allowRedoLogChanges: false,
      replaceExistingSchema: false,
    },
    import: { engine: 'datapump-api', parallelism: 'auto', tableExistsAction: 'SKIP', ignorableErrors: [] },
    postImport: {
      recompileInvalid: true,
      rebuildUnusableIndexes: true,
      disableVpdPolicies: false,
      gatherStatistics: true,
      runVendorScript: false,
    },
    tablespaceGuard: { alertRatio: 0.85, autoAddDatafiles: false },
  };
}

/** Applies flags over the config and checks the result; throws usage errors (exit 2). */
export function mergeFetchSettings(base: StepConfig | undefined, flags: FetchFlags): FetchSettings {
  const config: StepConfig = structuredClone(base ?? emptyConfig());
  const s = config.sftp;
  if (flags.host !== undefined) s.host = flags.host;
  if (flags.port !== undefined) {
    const port = Number(flags.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new UserFacingError(`--port ${JSON.stringify(flags.port)} is not a TCP port`, 'InvalidFlag');
    }
    s.port = port;
  }
  if (flags.directory !== undefined) s.directory = flags.directory;
  if (flags.credentialsDir !== undefined) s.credentialsDir = flags.credentialsDir;
  if (flags.insecureSkipHostKeyVerification) s.insecureSkipHostKeyVerification = true;
  if (flags.mode !== undefined) {
    if (flags.mode !== 'stream' && flags.mode !== 'stage') {
      throw new UserFacingError(
        `--mode must be stream or stage, not ${JSON.stringify(flags.mode)}`,
        'InvalidFlag',
      );
    }
    s.mode = flags.mode;
  }
  if (flags.wait !== undefined) s.waitForDeliverySeconds = parseDurationFlag(flags.wait, '--wait');
  if (flags.stableFor !== undefined) s.stableForSeconds = parseDurationFlag(flags.stableFor, '--stable-for');
  if (flags.customer !== undefined) config.customerId = flags.customer;
  if (flags.dest !== undefined) config.stagingDir = flags.dest;
  if (flags.institution && flags.institution.length > 0) {
    config.institutions = flags.institution.map(
      (id, i) => config.institutions.find((x) => x.institutionId === id) ?? defaultInstitution(id, i),
    );
  }
  const missing: string[] = [];
  if (!s.host) missing.push('sftp.host (--host)');
  if (!config.customerId) missing.push('customerId (--customer)');
  if (config.institutions.length === 0) missing.push('institutions (--institution)');
  if (!config.stagingDir) missing.push('stagingDir (--dest)');
  if (missing.length > 0) {
    throw new UserFacingError(`the fetch step needs ${missing.join(', ')}`, 'ConfigIncomplete');
  }
  for (const id of [config.customerId, ...config.institutions.map((i) => i.institutionId)]) {
    if (!/^[A-Za-z0-9]+$/.test(id)) {
      throw new UserFacingError(
        `customer and institution ids are letters and digits only, not ${JSON.stringify(id)}`,
        'InvalidFlag',
      );
    }
  }
  const first = config.institutions[0] as InstitutionConfig;
  return {
    config,
    reportDir: flags.reportDir ?? institutionLayout(config, first).reportDir,
    progressIntervalMs:
      flags.progressInterval !== undefined
        ? parseDurationFlag(flags.progressInterval, '--progress-interval') * 1000
        : 10_000,
    reserveBytes: flags.reserve !== undefined ? parseSize(flags.reserve, '--reserve') : 64 * 1024 * 1024,
    keepParts: Boolean(flags.keepParts),
    ...(flags.terminationLog ? { terminationLog: flags.terminationLog } : {}),
  };
}

/** Reads the config file (optional unless named explicitly) and merges the flags. */
export async function loadFetchSettings(flags: FetchFlags): Promise<FetchSettings> {
  const file = flags.config ?? DEFAULT_CONFIG_PATH;
  const base = flags.config !== undefined || existsSync(file) ? await loadStepConfig(file) : undefined;
  return mergeFetchSettings(base, flags);
}
