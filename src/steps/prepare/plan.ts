// prepare's decisions, as a pure function: what was observed + the step configuration ->
// the checks (name, observed, expected) and the actions that make the database ready, or a
// refusal. Refusals are decided before any action, so a refused run changes nothing.
import type {
  DatabaseInfo,
  DirectoryInfo,
  NewDatafile,
  RedoLogGroup,
  RoleInfo,
  TablespaceInfo,
  UserInfo,
} from '../../oracle/dictionary.js';
import { protectedNameRefusals } from './protected-names.js';
import {
  BIGFILE_MAX_BLOCKS,
  MAX_FILES_PER_TABLESPACE,
  formatBytes,
  maxFileBytes,
  newSmallfile,
  nextDatafilePaths,
  redoMemberPath,
  tablespaceCapacity,
  NEW_DATAFILE_NEXT,
} from '../../oracle/dictionary-sizing.js';

export const VENDOR_ROLES = [
  'CONNECT',
  'RESOURCE',
  'DBA',
  'DATAPUMP_EXP_FULL_DATABASE',
  'DATAPUMP_IMP_FULL_DATABASE',
];
export const REDO_MIN_GROUPS = 5;
export const REDO_MIN_BYTES = 512 * 1024 * 1024;
/** The vendor's load estimate: about 70 GB of database per million bibliographic records. */
export const VENDOR_BYTES_PER_MILLION_BIBS = 70 * 1024 ** 3;
export const VENDOR_HEADROOM = 1.2;

export interface InstitutionObservation {
  institutionId: string;
  schema: string;
  tablespaceName: string;
  /** Planned size, the 20% headroom included (InstitutionConfig.tablespaceBytes). */
  plannedBytes: number;
  bibRecords: number;
  tablespace: TablespaceInfo | undefined;
  user: UserInfo | undefined;
  /** A role named like the schema (DBA_ROLES), if any. */
  role: RoleInfo | undefined;
  /** Result of a login with the Secret's password; undefined when not tried (no user, locked). */
  passwordWorks: boolean | undefined;
  directoryName: string;
  directoryPath: string;
  directory: DirectoryInfo | undefined;
}

export interface Observation {
  database: DatabaseInfo;
  /** The admin account prepare is connected as, upper case, when its Secret could be read. */
  adminUser?: string;
  /** Read where they can be changed: CDB$ROOT when a root connection is configured. */
  redoLogs: RedoLogGroup[];
  /** True when redo changes would run in a PDB (ORA-65040). */
  redoFromPdb: boolean;
  allDatafiles: string[];
  institutions: InstitutionObservation[];
}

export interface PreparePolicy {
  managed: boolean;
  allowRedoLogChanges: boolean;
  replaceExistingSchema: boolean;
}

export type PrepareAction =
  | { kind: 'createTablespace'; tablespace: string; files: NewDatafile[] }
  | { kind: 'addDatafile'; tablespace: string; file: NewDatafile }
  | { kind: 'setTablespaceMaxSize'; tablespace: string; maxBytes: number; nextBytes: number }
  | { kind: 'dropUser'; user: string }
  | { kind: 'createUser'; user: string; defaultTablespace: string; temporaryTablespace: string }
  | { kind: 'setPassword'; user: string }
  | { kind: 'unlockUser'; user: string }
  | { kind: 'setDefaultTablespace'; user: string; tablespace: string }
  | { kind: 'grantRoles'; user: string; roles: string[] }
  | { kind: 'setDefaultRoleAll'; user: string }
  | { kind: 'setUnlimitedQuota'; user: string; tablespace: string }
  | { kind: 'createDirectory'; name: string; path: string }
  | { kind: 'grantDirectory'; name: string; user: string; privileges: string[] }
  | { kind: 'addRedoLogGroup'; group: number; members: string[]; bytes: number };

export interface PrepareCheck {
  /** "database" or the institution id. */
  scope: string;
  name: string;
  passed: boolean;
  observed: string;
  expected: string;
  /** Filled when actions were planned (and then taken) for this check. */
  action?: string;
  /** Planned actions that make this check pass. */
  actions: PrepareAction[];
}

export interface Refusal {
  reason: string;
  message: string;
}

export interface PreparePlan {
  checks: PrepareCheck[];
  refusals: Refusal[];
}

export function plannedActions(plan: PreparePlan): PrepareAction[] {
  return plan.checks.flatMap((c) => c.actions);
}

/** The tablespace size prepare ensures: the plan (20% included), never below the vendor's rule x 1.2. */
export function requiredTablespaceBytes(plannedBytes: number, bibRecords: number): number {
  const vendor = Math.ceil((bibRecords / 1e6) * VENDOR_BYTES_PER_MILLION_BIBS * VENDOR_HEADROOM);
  return Math.max(plannedBytes, vendor);
}

export function planPrepare(obs: Observation, policy: PreparePolicy): PreparePlan {
  const checks: PrepareCheck[] = [];
  const refusals: Refusal[] = [];
  const db = obs.database;
  const check = (c: Omit<PrepareCheck, 'actions'> & { actions?: PrepareAction[] }): PrepareCheck => {
    const full = { ...c, actions: c.actions ?? [] };
    checks.push(full);
    return full;
  };

  // --- the database itself ------------------------------------------------------------------
  const versionOk = db.major === 19;
  check({
    scope: 'database',
    name: 'version',
    passed: versionOk,
    observed: db.version,
    expected: '19c',
  });
  if (!versionOk) {
    refusals.push({
      reason: 'UnsupportedDatabaseVersion',
      message: `the database is Oracle ${db.version}; Alma Local Backup needs Oracle 19c (the vendor supports only 19c)`,
    });
  }
  const editionOk = db.edition === 'Enterprise';
  check({
    scope: 'database',
    name: 'edition',
    passed: editionOk,
    observed: db.edition,
    expected: 'Enterprise',
  });
  if (!editionOk) {
    refusals.push({
      reason: 'UnsupportedDatabaseEdition',
      message: `the database is ${db.edition} Edition; Alma Local Backup needs Enterprise Edition (Standard lacks features the Alma schema uses)`,
    });
  }
  const csOk = db.characterSet === 'AL32UTF8';
  check({
    scope: 'database',
    name: 'characterSet',
    passed: csOk,
    observed: db.characterSet,
    expected: 'AL32UTF8',
  });
  if (!csOk) {
    refusals.push({
      reason: 'UnsupportedCharacterSet',
      message: `the database character set is ${db.characterSet}; the import needs AL32UTF8 (a non-Unicode set would lose characters)`,
    });
  }
  const ncs = db.nationalCharacterSet;
  const ncsOk = ncs === 'UTF8' || ncs === 'AL16UTF16';
  check({
    scope: 'database',
    name: 'nationalCharacterSet',
    passed: ncsOk,
    observed:
      ncs === 'AL16UTF16'
        ? 'AL16UTF16 (the official 19c image fixes it; Unicode like the vendor UTF8, NCHAR columns use 2-4 bytes per character)'
        : ncs,
    expected: 'UTF8 (vendor) or AL16UTF16',
  });
  if (!ncsOk) {
    refusals.push({
      reason: 'UnsupportedCharacterSet',
      message: `the national character set is ${ncs}; use UTF8 or AL16UTF16`,
    });
  }

  // --- redo logs ------------------------------------------------------------------------------
  const bigEnough = obs.redoLogs.filter((g) => g.bytes >= REDO_MIN_BYTES);
  const missing = Math.max(0, REDO_MIN_GROUPS - bigEnough.length);
  const redoObserved = `${obs.redoLogs.length} groups (${obs.redoLogs
    .map((g) => `${g.group}: ${formatBytes(g.bytes)}`)
    .join(', ')}), ${bigEnough.length} of at least 512 MiB`;
  const redoCheck = check({
    scope: 'database',
    name: 'redoLogs',
    passed: missing === 0,
    observed: redoObserved,
    expected: `at least ${REDO_MIN_GROUPS} groups of at least 512 MiB`,
  });
  if (missing > 0) {
    if (!policy.managed && !policy.allowRedoLogChanges) {
      refusals.push({
        reason: 'RedoLogsTooSmall',
        message:
          `redo logs: ${redoObserved}; the vendor requires ${REDO_MIN_GROUPS} groups of at least 512 MiB. ` +
          `Add ${missing} group(s) (ALTER DATABASE ADD LOGFILE GROUP n ('<path>') SIZE 512M in CDB$ROOT) or set ` +
          `spec.database.existing.allowRedoLogChanges: true to let prepare add them`,
      });
    } else if (obs.redoFromPdb) {
      refusals.push({
        reason: 'RedoLogsNeedRootConnection',
        message:
          `redo logs: ${redoObserved}; ${missing} group(s) of 512 MiB must be added, which Oracle allows only ` +
          `from CDB$ROOT (ORA-65040 in a PDB): configure database.rootConnectString`,
      });
    } else {
      const model = [...obs.redoLogs].sort((a, b) => a.group - b.group)[0];
      if (!model) {
        refusals.push({
          reason: 'RedoLogsUnreadable',
          message: 'no redo log group is visible (V$LOG is empty)',
        });
      } else {
        let next = Math.max(...obs.redoLogs.map((g) => g.group)) + 1;
        for (let i = 0; i < missing; i += 1, next += 1) {
          const members = model.members.map((m, idx) => {
            const p = redoMemberPath([m], next);
            return model.members.length > 1 && idx > 0 && p === redoMemberPath([model.members[0]!], next)
              ? p.replace(/(\.[^./]+)$/, `_${idx + 1}$1`)
              : p;
          });
          redoCheck.actions.push({ kind: 'addRedoLogGroup', group: next, members, bytes: REDO_MIN_BYTES });
        }
      }
    }
  }

  // --- per institution -------------------------------------------------------------------------
  const allFiles = [...obs.allDatafiles];
  let filesToAdd = 0;
  for (const inst of obs.institutions) {
    const scope = inst.institutionId;
    // Oracle's own accounts, roles and tablespaces: refused, and nothing planned for them.
    const guarded = protectedNameRefusals(inst, db, obs.adminUser);
    check({
      scope,
      name: 'ownNames',
      passed: guarded.length === 0,
      observed: guarded.length
        ? guarded.map((g) => g.reason).join(', ')
        : `${inst.schema}, ${inst.tablespaceName}`,
      expected:
        'a schema and a PERMANENT tablespace that are not Oracle-maintained, a role, SYSTEM, SYSAUX, undo or temporary',
    });
    if (guarded.length > 0) {
      refusals.push(...guarded);
      continue;
    }
    const required = requiredTablespaceBytes(inst.plannedBytes, inst.bibRecords);
    check({
      scope,
      name: 'tablespacePlan',
      passed: Number.isFinite(inst.plannedBytes) && inst.plannedBytes > 0,
      observed: `planned ${formatBytes(inst.plannedBytes)} for ${inst.bibRecords} bib records (20% headroom included)`,
      expected: `at least ${formatBytes(required)} (vendor: ~70 GiB per million bib records, +20%)`,
    });

    // Tablespace: created, or grown by datafiles (smallfile) / MAXSIZE (bigfile).
    const ts = inst.tablespace;
    const tsCheck = check({
      scope,
      name: 'tablespace',
      passed: false,
      observed: '',
      expected: `${inst.tablespaceName}: ONLINE, PERMANENT, can grow to at least ${formatBytes(required)}`,
    });
    if (!ts) {
      const perFile = maxFileBytes({ bigfile: false, blockSize: db.defaultBlockSize });
      const n = Math.max(1, Math.ceil(required / perFile));
      const paths = nextDatafilePaths(inst.tablespaceName, [], allFiles, n);
      allFiles.push(...paths);
      filesToAdd += n;
      tsCheck.observed = 'does not exist';
      tsCheck.actions.push({
        kind: 'createTablespace',
        tablespace: inst.tablespaceName,
        files: paths.map(newSmallfile),
      });
    } else {
      const capacity = tablespaceCapacity(ts);
      tsCheck.observed = `${ts.status} ${ts.contents} ${ts.bigfile ? 'bigfile' : 'smallfile'}, ${ts.datafiles.length} datafile(s), can grow to ${formatBytes(capacity)}`;
      if (ts.status !== 'ONLINE' || ts.contents !== 'PERMANENT') {
        refusals.push({
          reason: 'TablespaceUnusable',
          message: `tablespace ${inst.tablespaceName} is ${ts.status} ${ts.contents}; it must be ONLINE and PERMANENT`,
        });
      } else if (capacity >= required) {
        tsCheck.passed = true;
      } else if (ts.bigfile) {
        const limit = BIGFILE_MAX_BLOCKS * ts.blockSize;
        const gib = 1024 ** 3;
        const maxBytes = Math.ceil(required / gib) * gib;
        if (maxBytes > limit) {
          refusals.push({
            reason: 'TablespaceTooSmall',
            message: `bigfile tablespace ${inst.tablespaceName} cannot grow to ${formatBytes(required)} (limit ${formatBytes(limit)})`,
          });
        } else {
          tsCheck.actions.push({
            kind: 'setTablespaceMaxSize',
            tablespace: inst.tablespaceName,
            maxBytes,
            nextBytes: NEW_DATAFILE_NEXT,
          });
        }
      } else {
        const n = Math.ceil((required - capacity) / maxFileBytes(ts));
        if (ts.datafiles.length + n > MAX_FILES_PER_TABLESPACE) {
          refusals.push({
            reason: 'TablespaceTooSmall',
            message: `tablespace ${inst.tablespaceName} would need ${ts.datafiles.length + n} datafiles (smallfile limit ${MAX_FILES_PER_TABLESPACE}); use a bigfile tablespace`,
          });
        } else {
          const paths = nextDatafilePaths(
            inst.tablespaceName,
            ts.datafiles.map((f) => f.fileName),
            allFiles,
            n,
          );
          allFiles.push(...paths);
          filesToAdd += n;
          for (const p of paths) {
            tsCheck.actions.push({
              kind: 'addDatafile',
              tablespace: inst.tablespaceName,
              file: newSmallfile(p),
            });
          }
        }
      }
    }

    // Schema user.
    let user = inst.user;
    const userCheck = check({
      scope,
      name: 'schemaUser',
      passed: false,
      observed: '',
      expected: `${inst.schema} exists, OPEN, default tablespace ${inst.tablespaceName}, password from the Secret, no data unless replacing`,
    });
    if (user && user.objectCount > 0) {
      if (!policy.replaceExistingSchema) {
        refusals.push({
          reason: 'SchemaNotEmpty',
          message:
            `schema ${inst.schema} already holds ${user.objectCount} object(s); set spec.database.replaceExistingSchema: true ` +
            `to drop and re-import it, or choose another schema for institution ${inst.institutionId}`,
        });
      } else {
        userCheck.actions.push({ kind: 'dropUser', user: inst.schema });
        user = undefined;
      }
    }
    if (!user) {
      userCheck.observed = inst.user
        ? `exists with ${inst.user.objectCount} object(s): dropped and created again`
        : 'does not exist';
      userCheck.actions.push({
        kind: 'createUser',
        user: inst.schema,
        defaultTablespace: inst.tablespaceName,
        temporaryTablespace: db.defaultTemporaryTablespace || 'TEMP',
      });
    } else {
      userCheck.observed = `${user.accountStatus}, default tablespace ${user.defaultTablespace}, ${user.objectCount} object(s)`;
      if (user.accountStatus !== 'OPEN') {
        userCheck.actions.push({ kind: 'unlockUser', user: inst.schema });
        userCheck.actions.push({ kind: 'setPassword', user: inst.schema });
      } else if (inst.passwordWorks === false) {
        userCheck.actions.push({ kind: 'setPassword', user: inst.schema });
      }
      if (user.defaultTablespace !== inst.tablespaceName) {
        userCheck.actions.push({
          kind: 'setDefaultTablespace',
          user: inst.schema,
          tablespace: inst.tablespaceName,
        });
      }
    }
    userCheck.passed = userCheck.actions.length === 0;

    // Roles and quotas, as the vendor grants them.
    const held = new Map((user?.roles ?? []).map((r) => [r.role, r.defaultRole]));
    const missingRoles = VENDOR_ROLES.filter((r) => !held.has(r));
    const nonDefault = [...held].some(([, d]) => !d);
    const rolesCheck = check({
      scope,
      name: 'schemaRoles',
      passed: missingRoles.length === 0 && !nonDefault,
      observed: user ? [...held.keys()].sort().join(', ') || 'none' : 'none (new user)',
      expected: `${VENDOR_ROLES.join(', ')}; DEFAULT ROLE ALL`,
    });
    if (missingRoles.length > 0)
      rolesCheck.actions.push({ kind: 'grantRoles', user: inst.schema, roles: missingRoles });
    if (missingRoles.length > 0 || nonDefault)
      rolesCheck.actions.push({ kind: 'setDefaultRoleAll', user: inst.schema });

    const quotaTargets = [...new Set([inst.tablespaceName, 'SYSTEM'])];
    const unlimited = new Set((user?.quotas ?? []).filter((x) => x.maxBytes === -1).map((x) => x.tablespace));
    const missingQuotas = quotaTargets.filter((t) => !unlimited.has(t));
    check({
      scope,
      name: 'schemaQuotas',
      passed: missingQuotas.length === 0,
      observed: unlimited.size ? `UNLIMITED on ${[...unlimited].sort().join(', ')}` : 'none',
      expected: `UNLIMITED on ${quotaTargets.join(', ')}`,
      actions: missingQuotas.map((t) => ({ kind: 'setUnlimitedQuota', user: inst.schema, tablespace: t })),
    });

    // Directory object on the staging folder, READ and WRITE for the schema user.
    const dir = inst.directory;
    const dirCheck = check({
      scope,
      name: 'directoryObject',
      passed: false,
      observed: dir ? `${dir.name} -> ${dir.path}` : 'does not exist',
      expected: `${inst.directoryName} -> ${inst.directoryPath}, READ and WRITE to ${inst.schema}`,
    });
    if (!dir || dir.path !== inst.directoryPath) {
      dirCheck.actions.push({ kind: 'createDirectory', name: inst.directoryName, path: inst.directoryPath });
    }
    const grantsKept = user ? (dir?.grants ?? []).filter((g) => g.grantee === inst.schema) : [];
    const missingPrivs = ['READ', 'WRITE'].filter((p) => !grantsKept.some((g) => g.privilege === p));
    if (missingPrivs.length > 0) {
      dirCheck.actions.push({
        kind: 'grantDirectory',
        name: inst.directoryName,
        user: inst.schema,
        privileges: missingPrivs,
      });
    }
    dirCheck.passed = dirCheck.actions.length === 0;
  }

  if (filesToAdd > 0 && db.datafileCount + filesToAdd > db.dbFilesLimit) {
    refusals.push({
      reason: 'DbFilesLimit',
      message:
        `${filesToAdd} datafile(s) must be added but the database has ${db.datafileCount} of DB_FILES=${db.dbFilesLimit}; ` +
        `raise DB_FILES (ALTER SYSTEM SET db_files=... SCOPE=SPFILE and restart) or use bigfile tablespaces`,
    });
  }
  return { checks, refusals };
}
