// An in-memory Oracle dictionary that behaves like 19c for what prepare, the guard and verify do,
// and rejects what Oracle rejects, with Oracle's error codes and messages: ORA-32771 (datafile on
// a bigfile tablespace), ORA-32774 (several files in a create that defaults to bigfile),
// ORA-01144 (smallfile over 2^22-1 blocks), ORA-01686 (1022 files), ORA-00059 (DB_FILES, counted
// over the whole CDB), ORA-00959 (unknown tablespace), ORA-01119 (no such directory on the
// server, or no space left on it), ORA-65040 (redo log change in a PDB), ORA-65114 (over
// MAX_PDB_STORAGE), objects that cannot compile stay INVALID, ...
// It models a PDB of a CDB: V$ views show this container's files only, while file numbers and
// DB_FILES span the CDB; one filesystem holds the PDB's datafiles, and TABLESPACE_SIZE in
// DBA_TABLESPACE_USAGE_METRICS is bounded by its free space and by MAX_PDB_STORAGE.
// docs/oracle-behaviours.md ("Dictionary and SQL") lists each behaviour with its source.
// Every action is appended to `actions` and every login attempt to `loginAttempts`, so tests can
// prove that a run changed nothing, or never touched an account.
//
// What a fresh 19c PDB holds, as the double models it (Oracle Database Reference 19c):
// - DBA_USERS.ORACLE_MAINTAINED (VARCHAR2(1)): 'Y' for the 36 accounts Oracle's scripts create
//   (catalog.sql, catproc.sql, ...; "must not be changed in any way except by running an
//   Oracle-supplied script"), 'N' for the image's PDBADMIN and every user we create.
// - DBA_ROLES.ORACLE_MAINTAINED: 'Y' for the predefined roles (DBA, CONNECT, RESOURCE, ...).
//   Users and roles share one namespace: CREATE USER with a role's name is ORA-01920 "user name
//   'x' conflicts with another user or role name".
// - DBA_TABLESPACES.CONTENTS (VARCHAR2(9)): UNDO, LOST WRITE PROTECTION, PERMANENT or TEMPORARY:
//   SYSTEM, SYSAUX, USERS are PERMANENT, UNDOTBS1 is UNDO, TEMP is TEMPORARY (tempfiles, which
//   DB_FILES does not count).
import path from 'node:path';
import type { StepConfig } from '../../src/contract/step-config.js';
import type {
  ConstraintInfo,
  DataPumpProgress,
  DatabaseInfo,
  DatafileInfo,
  DictionarySession,
  DirectoryInfo,
  NewDatafile,
  NewUser,
  RedoLogGroup,
  RoleInfo,
  SchemaObject,
  StatsInfo,
  TablePartition,
  TablespaceInfo,
  TablespaceUsage,
  UnusableIndex,
  UserInfo,
  VpdPolicy,
} from '../../src/oracle/dictionary.js';
import { ORACLE_MAINTAINED_USERS, ORACLE_ROLES } from '../../src/oracle/oracle-maintained.js';
import {
  BIGFILE_MAX_BLOCKS,
  MAX_FILES_PER_TABLESPACE,
  SMALLFILE_MAX_BLOCKS,
  SMALLFILE_UNLIMITED_BLOCKS,
} from '../../src/oracle/dictionary-sizing.js';

export class OracleDoubleError extends Error {
  readonly errorNum: number;
  constructor(code: number, text: string) {
    super(`ORA-${String(code).padStart(5, '0')}: ${text}`);
    this.errorNum = code;
  }
}

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

export interface DoubleTablespace {
  bigfile: boolean;
  blockSize: number;
  status: string;
  contents: string;
  files: DatafileInfo[];
  usedBytes: number;
}

export interface DoubleObject extends SchemaObject {
  status: 'VALID' | 'INVALID';
  /** False: stays INVALID whatever is compiled (a missing dependency). */
  compiles: boolean;
}

export interface DoubleIndex extends UnusableIndex {
  unusable: boolean;
  /** Rebuilding fails with this error (e.g. ORA-01452 duplicate keys). */
  rebuildError?: [number, string];
  /** A partitioned index: rebuilding it as a whole is ORA-14086. */
  partitioned?: boolean;
}

export interface DoubleSchema {
  tables: { name: string; temporary?: boolean; analyzed: boolean; stale?: boolean }[];
  objects: DoubleObject[];
  constraints: ConstraintInfo[];
  indexes: DoubleIndex[];
  partitions: TablePartition[];
  policies: VpdPolicy[];
}

export interface DoubleUser {
  accountStatus: string;
  defaultTablespace: string;
  temporaryTablespace: string;
  password: string;
  roles: Map<string, boolean>;
  quotas: Map<string, number>;
  failedLogins: number;
  /** DBA_USERS.ORACLE_MAINTAINED = 'Y' (default false: a user someone created). */
  oracleMaintained?: boolean;
}

export interface DoubleOptions {
  version?: string;
  edition?: string;
  characterSet?: string;
  nationalCharacterSet?: string;
  isPdb?: boolean;
  dbFiles?: number;
  /** Directories that exist on the database server (file creation elsewhere fails). */
  serverDirectories?: string[];
  /** Free bytes on the filesystem under the datafiles (default: unlimited). */
  diskFreeBytes?: number;
  /** Datafiles of the CDB's other containers (CDB$ROOT and PDB$SEED: 4 + 3 in the official image). */
  otherContainerFiles?: number;
  /** DATABASE_PROPERTIES DEFAULT_TBS_TYPE (default SMALLFILE, as DBCA creates it). */
  defaultTablespaceType?: 'SMALLFILE' | 'BIGFILE';
  /** The PDB's STORAGE (MAXSIZE ...), i.e. MAX_PDB_STORAGE (default UNLIMITED). */
  maxPdbStorageBytes?: number;
}

/** A fresh official-image 19c EE PDB: USERS (smallfile, users01.dbf), TEMP, 3 redo groups of 200 MB. */
export class DictionaryDouble implements DictionarySession {
  readonly actions: string[] = [];
  /** Every canLogin attempt, by user name (a failed one counts against FAILED_LOGIN_ATTEMPTS). */
  readonly loginAttempts: string[] = [];
  info: Omit<DatabaseInfo, 'datafileCount' | 'highestFileNumber' | 'containerFileBytes'>;
  /** Free bytes on the filesystem under the datafiles; files grow into it and are created from it. */
  diskFreeBytes: number;
  /** Absolute file numbers (V$DATAFILE.FILE#), numbered across the CDB. */
  readonly fileNumbers = new Map<string, number>();
  /** Datafiles of CDB$ROOT and PDB$SEED: numbered first, invisible from the PDB, counted by DB_FILES. */
  readonly otherContainerFiles: number;
  readonly tablespaces = new Map<string, DoubleTablespace>();
  readonly users = new Map<string, DoubleUser>();
  readonly schemas = new Map<string, DoubleSchema>();
  readonly directories = new Map<
    string,
    { path: string; grants: { grantee: string; privilege: string }[] }
  >();
  redo: RedoLogGroup[];
  /** DBA_ROLES: role name -> ORACLE_MAINTAINED. */
  readonly roles = new Map<string, boolean>(ORACLE_ROLES.map((r) => [r, true]));
  readonly serverDirectories: Set<string>;
  gatherCalls = 0;
  closed = false;

  constructor(opts: DoubleOptions = {}) {
    const version = opts.version ?? '19.3.0.0.0';
    const edition = opts.edition ?? 'Enterprise';
    const major = Number(version.split('.')[0]);
    this.info = {
      version,
      major,
      edition,
      banner: `Oracle Database ${major}c ${edition} Edition Release ${version} - Production`,
      characterSet: opts.characterSet ?? 'AL32UTF8',
      nationalCharacterSet: opts.nationalCharacterSet ?? 'AL16UTF16',
      containerName: opts.isPdb === false ? 'CDB$ROOT' : 'ORCLPDB1',
      isPdb: opts.isPdb ?? true,
      dbFilesLimit: opts.dbFiles ?? 200,
      defaultTablespaceType: opts.defaultTablespaceType ?? 'SMALLFILE',
      ...(opts.maxPdbStorageBytes !== undefined ? { maxPdbStorageBytes: opts.maxPdbStorageBytes } : {}),
      defaultTemporaryTablespace: 'TEMP',
      defaultBlockSize: 8192,
    };
    this.diskFreeBytes = opts.diskFreeBytes ?? Number.POSITIVE_INFINITY;
    this.otherContainerFiles = opts.otherContainerFiles ?? 7;
    const pdbDir = '/opt/oracle/oradata/ORCLCDB/ORCLPDB1';
    const cdbDir = '/opt/oracle/oradata/ORCLCDB';
    this.serverDirectories = new Set(opts.serverDirectories ?? [pdbDir, cdbDir, '/staging']);
    for (const [name, file, bytes] of [
      ['SYSTEM', 'system01.dbf', 270 * MiB],
      ['SYSAUX', 'sysaux01.dbf', 340 * MiB],
      ['UNDOTBS1', 'undotbs01.dbf', 100 * MiB],
      ['USERS', 'users01.dbf', 5 * MiB],
    ] as const) {
      this.tablespaces.set(name, {
        bigfile: false,
        blockSize: 8192,
        status: 'ONLINE',
        contents: name === 'UNDOTBS1' ? 'UNDO' : 'PERMANENT',
        files: [
          {
            fileName: `${pdbDir}/${file}`,
            bytes,
            autoextensible: true,
            maxBytes: SMALLFILE_UNLIMITED_BLOCKS * 8192,
            incrementBytes: 10 * MiB,
          },
        ],
        usedBytes: name === 'USERS' ? 1 * MiB : Math.floor(bytes * 0.9),
      });
      this.numberFile(`${pdbDir}/${file}`);
    }
    this.tablespaces.set('TEMP', {
      bigfile: false,
      blockSize: 8192,
      status: 'ONLINE',
      contents: 'TEMPORARY',
      files: [],
      usedBytes: 0,
    });
    const seeded = (oracleMaintained: boolean, accountStatus: string): DoubleUser => ({
      accountStatus,
      defaultTablespace: oracleMaintained ? 'SYSTEM' : 'USERS',
      temporaryTablespace: 'TEMP',
      password: 'unknown to the tests',
      roles: new Map(),
      quotas: new Map(),
      failedLogins: 0,
      oracleMaintained,
    });
    for (const name of ORACLE_MAINTAINED_USERS) {
      if (name === 'PUBLIC') continue; // a user group, not in DBA_USERS
      if (name === 'PDBADMIN') this.users.set(name, seeded(false, 'OPEN'));
      else this.users.set(name, seeded(true, name === 'SYS' || name === 'SYSTEM' ? 'OPEN' : 'LOCKED'));
    }
    this.redo = [1, 2, 3].map((g) => ({
      group: g,
      thread: 1,
      bytes: 200 * MiB,
      status: g === 1 ? 'CURRENT' : 'INACTIVE',
      members: [`${cdbDir}/redo0${g}.log`],
    }));
  }

  // --- test helpers -------------------------------------------------------------------------

  /**
   * Simulates data arriving: autoextends files in order, each extension taken from the disk's
   * free space and the PDB's MAX_PDB_STORAGE room; ORA-01653 when nothing can extend.
   */
  fill(tablespace: string, bytes: number): void {
    const ts = this.mustTablespace(tablespace);
    const target = ts.usedBytes + bytes;
    let allocated = ts.files.reduce((s, f) => s + f.bytes, 0);
    for (const f of ts.files) {
      if (allocated >= target) break;
      if (!f.autoextensible) continue;
      const room = Math.min(this.diskFreeBytes, this.pdbRoom());
      const grow = Math.min(Math.max(0, f.maxBytes - f.bytes), target - allocated, room);
      f.bytes += grow;
      allocated += grow;
      this.diskFreeBytes -= grow;
    }
    if (allocated < target) {
      throw new OracleDoubleError(1653, `unable to extend table in tablespace ${tablespace}`);
    }
    ts.usedBytes = target;
  }

  /** Adds a schema's imported content (as the import would leave it). */
  schema(name: string): DoubleSchema {
    let s = this.schemas.get(name);
    if (!s) {
      s = { tables: [], objects: [], constraints: [], indexes: [], partitions: [], policies: [] };
      this.schemas.set(name, s);
    }
    return s;
  }

  // --- reads --------------------------------------------------------------------------------

  /** V$DATAFILE is scoped to the current container: from the PDB only its files, from the root all. */
  async databaseInfo(): Promise<DatabaseInfo> {
    const visible = this.info.isPdb ? this.pdbFileNames() : [...this.fileNumbers.keys()];
    const numbers = visible.map((f) => this.fileNumbers.get(f) ?? 0);
    const highest = this.info.isPdb ? Math.max(0, ...numbers) : this.highestNumber();
    return {
      ...this.info,
      datafileCount: this.info.isPdb ? visible.length : this.cdbDatafileCount(),
      highestFileNumber: highest,
      containerFileBytes: this.containerFileBytes(),
    };
  }

  async tablespace(name: string): Promise<TablespaceInfo | undefined> {
    const ts = this.tablespaces.get(name);
    if (!ts) return undefined;
    return {
      name,
      bigfile: ts.bigfile,
      blockSize: ts.blockSize,
      status: ts.status,
      contents: ts.contents,
      datafiles: ts.files.map((f) => ({ ...f })),
    };
  }

  /**
   * TABLESPACE_SIZE as 19c computes it: the files' maxima, bounded by the current size plus the
   * storage's free space, and by the room MAX_PDB_STORAGE leaves (Database Reference 19c,
   * DBA_TABLESPACE_USAGE_METRICS, whose three examples the tests replay).
   */
  async tablespaceUsage(name: string): Promise<TablespaceUsage | undefined> {
    const ts = this.tablespaces.get(name);
    if (!ts) return undefined;
    const allocated = ts.files.reduce((s, f) => s + f.bytes, 0);
    const max = ts.files.reduce(
      (s, f) => s + (f.autoextensible ? Math.max(f.bytes, f.maxBytes) : f.bytes),
      0,
    );
    const reported = Math.min(max, allocated + this.diskFreeBytes, allocated + this.pdbRoom());
    return {
      tablespace: name,
      usedBytes: ts.usedBytes,
      reportedSizeBytes: Math.floor(reported / ts.blockSize) * ts.blockSize,
      allocatedBytes: allocated,
      freeBytes: Math.max(0, allocated - ts.usedBytes),
    };
  }

  async allDatafiles(): Promise<string[]> {
    return [...this.tablespaces.values()].flatMap((t) => t.files.map((f) => f.fileName));
  }

  async user(username: string): Promise<UserInfo | undefined> {
    const u = this.users.get(username);
    if (!u) return undefined;
    const s = this.schemas.get(username);
    return {
      username,
      accountStatus: u.accountStatus,
      defaultTablespace: u.defaultTablespace,
      temporaryTablespace: u.temporaryTablespace,
      roles: [...u.roles].map(([role, defaultRole]) => ({ role, defaultRole })),
      quotas: [...u.quotas].map(([tablespace, maxBytes]) => ({ tablespace, maxBytes })),
      objectCount: s ? s.tables.length + s.objects.length : 0,
      oracleMaintained: u.oracleMaintained ?? false,
    };
  }

  async role(name: string): Promise<RoleInfo | undefined> {
    const maintained = this.roles.get(name);
    return maintained === undefined ? undefined : { role: name, oracleMaintained: maintained };
  }

  async directory(name: string): Promise<DirectoryInfo | undefined> {
    const d = this.directories.get(name);
    return d ? { name, path: d.path, grants: d.grants.map((g) => ({ ...g })) } : undefined;
  }

  async redoLogs(): Promise<RedoLogGroup[]> {
    return this.redo.map((g) => ({ ...g, members: [...g.members] }));
  }

  async tableNames(schema: string): Promise<string[]> {
    return (this.schemas.get(schema)?.tables ?? []).map((t) => t.name).sort();
  }

  async invalidObjects(schema: string): Promise<SchemaObject[]> {
    return (this.schemas.get(schema)?.objects ?? [])
      .filter((o) => o.status === 'INVALID')
      .map((o) => ({ name: o.name, type: o.type }));
  }

  async problemConstraints(schema: string): Promise<ConstraintInfo[]> {
    return (this.schemas.get(schema)?.constraints ?? [])
      .filter((c) => c.status === 'DISABLED' || c.validated === 'NOT VALIDATED')
      .map((c) => ({ ...c }));
  }

  async unusableIndexes(schema: string): Promise<UnusableIndex[]> {
    return (this.schemas.get(schema)?.indexes ?? [])
      .filter((i) => i.unusable)
      .map((i) => ({
        index: i.index,
        ...(i.partition ? { partition: i.partition } : {}),
        ...(i.subpartition ? { subpartition: i.subpartition } : {}),
      }));
  }

  async tablePartitions(schema: string): Promise<TablePartition[]> {
    return (this.schemas.get(schema)?.partitions ?? []).map((p) => ({ ...p }));
  }

  async policies(schema: string): Promise<VpdPolicy[]> {
    return (this.schemas.get(schema)?.policies ?? []).map((p) => ({ ...p }));
  }

  async statistics(schema: string): Promise<StatsInfo> {
    const tables = (this.schemas.get(schema)?.tables ?? []).filter((t) => !t.temporary);
    return {
      tables: tables.length,
      neverAnalyzed: tables.filter((t) => !t.analyzed).length,
      stale: tables.filter((t) => t.analyzed && t.stale).length,
    };
  }

  /** Data Pump jobs the double knows, by name (what DBA_DATAPUMP_JOBS + V$SESSION_LONGOPS show). */
  readonly dataPumpJobs = new Map<string, DataPumpProgress>();

  async dataPumpProgress(jobName: string): Promise<DataPumpProgress | undefined> {
    const job = this.dataPumpJobs.get(jobName);
    return job ? { ...job } : undefined;
  }

  async canLogin(username: string, password: string): Promise<boolean> {
    this.loginAttempts.push(username);
    const u = this.users.get(username);
    if (!u || u.accountStatus.includes('LOCKED')) return false;
    if (u.password !== password) {
      u.failedLogins += 1;
      if (u.failedLogins >= 10) u.accountStatus = 'LOCKED(TIMED)';
      return false;
    }
    u.failedLogins = 0;
    return true;
  }

  // --- actions ------------------------------------------------------------------------------

  /** `type` left out is what CREATE TABLESPACE without SMALLFILE/BIGFILE does: the database default. */
  async createTablespace(
    name: string,
    datafiles: NewDatafile[],
    type?: 'SMALLFILE' | 'BIGFILE',
  ): Promise<void> {
    this.actions.push(`createTablespace ${name} ${datafiles.map((f) => f.path).join(',')}`);
    if (this.tablespaces.has(name)) throw new OracleDoubleError(1543, `tablespace '${name}' already exists`);
    const bigfile = (type ?? this.info.defaultTablespaceType) === 'BIGFILE';
    if (bigfile && datafiles.length > 1) {
      throw new OracleDoubleError(32774, `more than one file was specified for bigfile tablespace ${name}`);
    }
    if (this.cdbDatafileCount() + datafiles.length > this.info.dbFilesLimit) {
      throw new OracleDoubleError(59, 'maximum number of DB_FILES exceeded');
    }
    const ts: DoubleTablespace = {
      bigfile,
      blockSize: this.info.defaultBlockSize,
      status: 'ONLINE',
      contents: 'PERMANENT',
      files: [],
      usedBytes: 0,
    };
    for (const f of datafiles) ts.files.push(this.makeFile(ts, f));
    this.tablespaces.set(name, ts);
  }

  async addDatafile(tablespace: string, file: NewDatafile): Promise<void> {
    this.actions.push(`addDatafile ${tablespace} ${file.path}`);
    const ts = this.mustTablespace(tablespace);
    if (ts.bigfile) {
      throw new OracleDoubleError(32771, `cannot add file to bigfile tablespace`);
    }
    if (ts.files.length >= MAX_FILES_PER_TABLESPACE) {
      throw new OracleDoubleError(
        1686,
        `max # files (${MAX_FILES_PER_TABLESPACE}) reached for the tablespace`,
      );
    }
    if (this.cdbDatafileCount() >= this.info.dbFilesLimit) {
      throw new OracleDoubleError(59, 'maximum number of DB_FILES exceeded');
    }
    ts.files.push(this.makeFile(ts, file));
  }

  async setTablespaceMaxSize(tablespace: string, maxBytes: number, nextBytes: number): Promise<void> {
    this.actions.push(`setTablespaceMaxSize ${tablespace} ${maxBytes}`);
    const ts = this.mustTablespace(tablespace);
    if (!ts.bigfile) throw new OracleDoubleError(32773, 'operation not supported for smallfile tablespace');
    if (maxBytes / ts.blockSize > BIGFILE_MAX_BLOCKS) {
      throw new OracleDoubleError(3206, 'maximum file size in AUTOEXTEND clause is out of range');
    }
    const f = ts.files[0]!;
    f.autoextensible = true;
    f.maxBytes = maxBytes;
    f.incrementBytes = nextBytes;
  }

  async createUser(user: NewUser): Promise<void> {
    this.actions.push(`createUser ${user.username}`);
    if (this.users.has(user.username) || this.roles.has(user.username)) {
      throw new OracleDoubleError(
        1920,
        `user name '${user.username}' conflicts with another user or role name`,
      );
    }
    this.mustTablespace(user.defaultTablespace);
    this.mustTablespace(user.temporaryTablespace, 'temporary');
    this.users.set(user.username, {
      accountStatus: 'OPEN',
      defaultTablespace: user.defaultTablespace,
      temporaryTablespace: user.temporaryTablespace,
      password: user.password,
      roles: new Map(),
      quotas: new Map(),
      failedLogins: 0,
    });
  }

  async dropUserCascade(username: string): Promise<void> {
    this.actions.push(`dropUser ${username}`);
    if (!this.users.delete(username)) throw new OracleDoubleError(1918, `user '${username}' does not exist`);
    this.schemas.delete(username);
    for (const d of this.directories.values()) d.grants = d.grants.filter((g) => g.grantee !== username);
  }

  async setPassword(username: string, password: string): Promise<void> {
    this.actions.push(`setPassword ${username}`);
    this.mustUser(username).password = password;
  }

  async unlockUser(username: string): Promise<void> {
    this.actions.push(`unlockUser ${username}`);
    const u = this.mustUser(username);
    u.accountStatus = u.accountStatus.includes('EXPIRED') ? 'EXPIRED' : 'OPEN';
    u.failedLogins = 0;
  }

  async setDefaultTablespace(username: string, tablespace: string): Promise<void> {
    this.actions.push(`setDefaultTablespace ${username} ${tablespace}`);
    const u = this.mustUser(username);
    this.mustTablespace(tablespace);
    u.defaultTablespace = tablespace;
  }

  async grantRoles(username: string, roles: string[]): Promise<void> {
    this.actions.push(`grantRoles ${username} ${roles.join(',')}`);
    for (const r of roles)
      if (!this.roles.has(r)) throw new OracleDoubleError(1919, `role '${r}' does not exist`);
    const u = this.users.get(username);
    if (!u) throw new OracleDoubleError(1917, `user or role '${username}' does not exist`);
    for (const r of roles) u.roles.set(r, true);
  }

  async setDefaultRoleAll(username: string): Promise<void> {
    this.actions.push(`setDefaultRoleAll ${username}`);
    const u = this.mustUser(username);
    for (const r of u.roles.keys()) u.roles.set(r, true);
  }

  async setUnlimitedQuota(username: string, tablespace: string): Promise<void> {
    this.actions.push(`setUnlimitedQuota ${username} ${tablespace}`);
    const u = this.mustUser(username);
    this.mustTablespace(tablespace);
    u.quotas.set(tablespace, -1);
  }

  async createDirectory(name: string, dirPath: string): Promise<void> {
    this.actions.push(`createDirectory ${name} ${dirPath}`);
    // Oracle does not check the path exists when creating a directory object.
    const existing = this.directories.get(name);
    this.directories.set(name, { path: dirPath, grants: existing?.grants ?? [] });
  }

  async grantDirectory(name: string, username: string, privileges: string[]): Promise<void> {
    this.actions.push(`grantDirectory ${name} ${username} ${privileges.join(',')}`);
    const d = this.directories.get(name);
    if (!d) throw new OracleDoubleError(942, 'table or view does not exist');
    this.mustUser(username);
    for (const p of privileges) {
      if (!d.grants.some((g) => g.grantee === username && g.privilege === p)) {
        d.grants.push({ grantee: username, privilege: p });
      }
    }
  }

  async addRedoLogGroup(group: number, members: string[], bytes: number): Promise<void> {
    this.actions.push(`addRedoLogGroup ${group} ${members.join(',')}`);
    if (this.info.isPdb)
      throw new OracleDoubleError(65040, 'operation not allowed from within a pluggable database');
    if (this.redo.some((g) => g.group === group)) {
      throw new OracleDoubleError(1184, `logfile number ${group} already exists`);
    }
    for (const m of members) this.mustServerDirectory(m);
    this.redo.push({ group, thread: 1, bytes, status: 'UNUSED', members: [...members] });
  }

  async compileSchema(schema: string): Promise<void> {
    this.actions.push(`compileSchema ${schema}`);
    if (!this.users.has(schema)) {
      throw new OracleDoubleError(20000, 'Insufficient privileges or schema does not exist');
    }
    for (const o of this.schemas.get(schema)?.objects ?? []) if (o.compiles) o.status = 'VALID';
  }

  async rebuildIndex(schema: string, index: UnusableIndex): Promise<void> {
    this.actions.push(`rebuildIndex ${schema}.${index.index}${index.partition ? `:${index.partition}` : ''}`);
    const all = this.schemas.get(schema)?.indexes ?? [];
    const entries = all.filter((i) => i.index === index.index);
    if (entries.length === 0) throw new OracleDoubleError(1418, 'specified index does not exist');
    const e = entries.find((i) => i.partition === index.partition && i.subpartition === index.subpartition);
    if (!index.partition && entries.some((i) => i.partitioned || i.partition)) {
      throw new OracleDoubleError(14086, 'a partitioned index may not be rebuilt as a whole');
    }
    if (!e) throw new OracleDoubleError(2149, 'Specified partition does not exist');
    if (e.rebuildError) throw new OracleDoubleError(e.rebuildError[0], e.rebuildError[1]);
    e.unusable = false;
  }

  async disablePolicy(schema: string, policy: VpdPolicy): Promise<void> {
    this.actions.push(`disablePolicy ${schema}.${policy.object} ${policy.policyGroup}/${policy.policy}`);
    const p = (this.schemas.get(schema)?.policies ?? []).find(
      (x) => x.object === policy.object && x.policy === policy.policy && x.policyGroup === policy.policyGroup,
    );
    if (!p) throw new OracleDoubleError(28102, 'policy does not exist');
    p.enabled = false;
  }

  async gatherSchemaStats(schema: string, degree: number): Promise<void> {
    this.actions.push(`gatherSchemaStats ${schema} ${degree}`);
    this.gatherCalls += 1;
    if (!this.users.has(schema))
      throw new OracleDoubleError(20000, `Schema "${schema}" does not exist or insufficient privileges`);
    for (const t of this.schemas.get(schema)?.tables ?? []) {
      if (!t.temporary) {
        t.analyzed = true;
        t.stale = false;
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  // --- internals ----------------------------------------------------------------------------

  private pdbFileNames(): string[] {
    return [...this.tablespaces.values()]
      .filter((t) => t.contents !== 'TEMPORARY')
      .flatMap((t) => t.files.map((f) => f.fileName));
  }

  /** What DB_FILES counts: every container's datafiles. */
  private cdbDatafileCount(): number {
    return this.otherContainerFiles + this.pdbFileNames().length;
  }

  private highestNumber(): number {
    return Math.max(this.otherContainerFiles, ...this.fileNumbers.values());
  }

  /** The next absolute file number: after every file of the CDB (the double never drops one). */
  private numberFile(fileName: string): void {
    this.fileNumbers.set(fileName, this.highestNumber() + 1);
  }

  private containerFileBytes(): number {
    return [...this.tablespaces.values()].flatMap((t) => t.files).reduce((s, f) => s + f.bytes, 0);
  }

  /** What MAX_PDB_STORAGE leaves for growth (unlimited when not set). */
  private pdbRoom(): number {
    const limit = this.info.maxPdbStorageBytes;
    return limit === undefined ? Number.POSITIVE_INFINITY : Math.max(0, limit - this.containerFileBytes());
  }

  /**
   * ORA-00959 for an unknown tablespace; a user's TEMPORARY TABLESPACE must be TEMPORARY
   * (ORA-12911 "permanent tablespace cannot be temporary tablespace") and its DEFAULT TABLESPACE
   * must not be (ORA-12910 "cannot specify temporary tablespace as default tablespace").
   */
  private mustTablespace(name: string, role: 'data' | 'temporary' = 'data'): DoubleTablespace {
    const ts = this.tablespaces.get(name);
    if (!ts) {
      throw new OracleDoubleError(959, `tablespace '${name}' does not exist`);
    }
    if (role === 'temporary' && ts.contents !== 'TEMPORARY')
      throw new OracleDoubleError(12911, 'permanent tablespace cannot be temporary tablespace');
    if (role === 'data' && ts.contents === 'TEMPORARY')
      throw new OracleDoubleError(12910, 'cannot specify temporary tablespace as default tablespace');
    return ts;
  }

  private mustUser(name: string): DoubleUser {
    const u = this.users.get(name);
    if (!u) throw new OracleDoubleError(1918, `user '${name}' does not exist`);
    return u;
  }

  private mustServerDirectory(file: string): void {
    if (!this.serverDirectories.has(path.posix.dirname(file))) {
      throw new OracleDoubleError(
        1119,
        `error in creating database file '${file}'\nORA-27040: file create error, unable to create file`,
      );
    }
  }

  private makeFile(ts: DoubleTablespace, f: NewDatafile): DatafileInfo {
    this.mustServerDirectory(f.path);
    const all = [...this.tablespaces.values(), ts].flatMap((t) => t.files.map((x) => x.fileName));
    if (all.includes(f.path)) {
      throw new OracleDoubleError(1537, `cannot add file '${f.path}' - file already part of database`);
    }
    const limit = (ts.bigfile ? BIGFILE_MAX_BLOCKS : SMALLFILE_MAX_BLOCKS) * ts.blockSize;
    if (f.sizeBytes > limit) {
      throw new OracleDoubleError(
        1144,
        `File size (${f.sizeBytes / ts.blockSize} blocks) exceeds maximum of ${limit / ts.blockSize} blocks`,
      );
    }
    const maxBytes =
      f.maxBytes === 'unlimited'
        ? (ts.bigfile ? BIGFILE_MAX_BLOCKS : SMALLFILE_UNLIMITED_BLOCKS) * ts.blockSize
        : f.maxBytes;
    if (maxBytes > limit) {
      throw new OracleDoubleError(
        3206,
        `maximum file size of (${maxBytes / ts.blockSize}) blocks in AUTOEXTEND clause is out of range`,
      );
    }
    if (f.sizeBytes > this.pdbRoom()) {
      throw new OracleDoubleError(65114, 'space usage in container is too high');
    }
    if (f.sizeBytes > this.diskFreeBytes) {
      throw new OracleDoubleError(
        1119,
        `error in creating database file '${f.path}'\nORA-27044: unable to write the header block of file\nLinux-x86_64 Error: 28: No space left on device`,
      );
    }
    this.diskFreeBytes -= f.sizeBytes;
    this.numberFile(f.path);
    return {
      fileName: f.path,
      bytes: f.sizeBytes,
      autoextensible: true,
      maxBytes,
      incrementBytes: f.nextBytes,
    };
  }
}

export const DOUBLE_GIB = GiB;

/** The same database seen through a CDB$ROOT connection (redo log changes allowed). */
export function rootView(db: DictionaryDouble): DictionaryDouble {
  const view = Object.create(db) as DictionaryDouble;
  view.info = { ...db.info, isPdb: false, containerName: 'CDB$ROOT' };
  return view;
}

/** A StepConfig for tests: one or more institutions, managed database, staging in `stagingDir`. */
export function testStepConfig(
  stagingDir: string,
  overrides: {
    restore?: StepConfig['restore'];
    institutions?: StepConfig['institutions'];
    database?: Partial<StepConfig['database']>;
    import?: Partial<StepConfig['import']>;
    postImport?: Partial<StepConfig['postImport']>;
  } = {},
): StepConfig {
  return {
    restore: overrides.restore ?? { namespace: 'library', name: 'q3' },
    customerId: '3975',
    institutions: overrides.institutions ?? [
      {
        institutionId: '3978',
        schema: 'EXL_ADMIN',
        tablespace: 'USERS',
        bibRecords: 1_000_000,
        tablespaceBytes: 84 * GiB,
      },
    ],
    stagingDir,
    sftp: {
      host: 'sftp.example.edu',
      port: 22,
      directory: '.',
      credentialsDir: '/var/run/secrets/alma/sftp',
      insecureSkipHostKeyVerification: false,
      waitForDeliverySeconds: 60,
      stableForSeconds: 1,
      mode: 'stream',
    },
    database: {
      connectString: 'db:1521/ORCLPDB1',
      credentialsDir: '/var/run/secrets/alma/db',
      schemaPasswordFile: '/var/run/secrets/alma/schema/password',
      directoryName: 'EXP_DIR',
      directoryPath: '/staging',
      managed: true,
      allowRedoLogChanges: false,
      replaceExistingSchema: false,
      ...overrides.database,
    },
    import: {
      engine: 'datapump-api',
      parallelism: 'auto',
      tableExistsAction: 'SKIP',
      ignorableErrors: [],
      ...overrides.import,
    },
    postImport: {
      recompileInvalid: true,
      rebuildUnusableIndexes: true,
      disableVpdPolicies: true,
      gatherStatistics: true,
      runVendorScript: true,
      ...overrides.postImport,
    },
    tablespaceGuard: { alertRatio: 0.85, autoAddDatafiles: true },
  };
}
