// The narrow interface over Oracle's dictionary views and the DDL that prepare, the tablespace
// guard and verify need. Two implementations: dictionary-oracledb.ts (node-oracledb, the SQL is
// in sql/dictionary.ts) and the in-memory double in test/support/dictionary-double.ts. Sizes are
// bytes (numbers: a tablespace never reaches 2^53 bytes), names are upper-case Oracle
// identifiers as the dictionary stores them.

export interface DatabaseInfo {
  /** Full version, e.g. "19.3.0.0.0" (V$INSTANCE.VERSION_FULL). */
  version: string;
  /** Major release, e.g. 19. */
  major: number;
  /** "Enterprise", "Standard", "Express", ... (from V$VERSION's banner). */
  edition: string;
  banner: string;
  characterSet: string;
  nationalCharacterSet: string;
  /** Container we are connected to (SYS_CONTEXT USERENV CON_NAME): "CDB$ROOT", a PDB name, or the DB name of a non-CDB. */
  containerName: string;
  /** True when connected to a pluggable database (CDB-wide DDL such as redo logs is refused there: ORA-65040). */
  isPdb: boolean;
  /** DB_FILES: the database-wide maximum number of datafiles (ORA-00059 beyond it). */
  dbFilesLimit: number;
  /** Datafiles in the whole database now (all tablespaces). */
  datafileCount: number;
  /** DATABASE_PROPERTIES DEFAULT_TEMP_TABLESPACE. */
  defaultTemporaryTablespace: string;
  /** DB_BLOCK_SIZE: the block size of a tablespace created without BLOCKSIZE. */
  defaultBlockSize: number;
}

export interface DatafileInfo {
  fileName: string;
  /** Allocated now. */
  bytes: number;
  autoextensible: boolean;
  /** Autoextend maximum (0 when not autoextensible, as DBA_DATA_FILES shows it). */
  maxBytes: number;
  /** Autoextend increment in bytes (0 when not autoextensible). */
  incrementBytes: number;
}

export interface TablespaceInfo {
  name: string;
  bigfile: boolean;
  blockSize: number;
  /** ONLINE, OFFLINE, READ ONLY. */
  status: string;
  /** PERMANENT, TEMPORARY, UNDO. */
  contents: string;
  datafiles: DatafileInfo[];
}

export interface TablespaceUsage {
  tablespace: string;
  /** DBA_TABLESPACE_USAGE_METRICS.USED_SPACE in bytes. */
  usedBytes: number;
  /** DBA_TABLESPACE_USAGE_METRICS.TABLESPACE_SIZE in bytes: the maximum reachable size. */
  maxBytes: number;
  /** Sum of DBA_DATA_FILES.BYTES: allocated now. */
  allocatedBytes: number;
  /** Sum of DBA_FREE_SPACE.BYTES: free inside what is allocated. */
  freeBytes: number;
}

export interface QuotaInfo {
  tablespace: string;
  /** -1 means UNLIMITED (DBA_TS_QUOTAS.MAX_BYTES). */
  maxBytes: number;
}

export interface UserInfo {
  username: string;
  /** OPEN, LOCKED, EXPIRED, EXPIRED & LOCKED, ... */
  accountStatus: string;
  defaultTablespace: string;
  temporaryTablespace: string;
  /** Directly granted roles, with their DEFAULT_ROLE flag. */
  roles: { role: string; defaultRole: boolean }[];
  quotas: QuotaInfo[];
  /** Objects the user owns (DBA_OBJECTS): more than zero means the schema holds something. */
  objectCount: number;
  /** DBA_USERS.ORACLE_MAINTAINED = 'Y': created by Oracle's scripts, never to be changed otherwise. */
  oracleMaintained: boolean;
}

export interface RoleInfo {
  role: string;
  /** DBA_ROLES.ORACLE_MAINTAINED = 'Y'. */
  oracleMaintained: boolean;
}

export interface DirectoryInfo {
  name: string;
  path: string;
  /** Privileges per grantee (DBA_TAB_PRIVS on the directory): READ, WRITE, EXECUTE. */
  grants: { grantee: string; privilege: string }[];
}

export interface RedoLogGroup {
  group: number;
  thread: number;
  bytes: number;
  /** CURRENT, ACTIVE, INACTIVE, UNUSED. */
  status: string;
  members: string[];
}

export interface SchemaObject {
  name: string;
  type: string;
}

export interface ConstraintInfo {
  table: string;
  name: string;
  /** P, U, R, C, ... */
  type: string;
  /** ENABLED / DISABLED. */
  status: string;
  /** VALIDATED / NOT VALIDATED. */
  validated: string;
}

export interface UnusableIndex {
  index: string;
  /** Set for an unusable index partition (the index itself shows N/A). */
  partition?: string;
  /** Set for an unusable index subpartition. */
  subpartition?: string;
}

export interface TablePartition {
  table: string;
  partition: string;
}

export interface VpdPolicy {
  object: string;
  /** SYS_DEFAULT for ungrouped policies. */
  policyGroup: string;
  policy: string;
  enabled: boolean;
}

export interface StatsInfo {
  tables: number;
  /** Tables whose LAST_ANALYZED is empty. */
  neverAnalyzed: number;
  /** Tables whose statistics are marked STALE. */
  stale: number;
}

export interface NewDatafile {
  path: string;
  sizeBytes: number;
  /** Autoextend increment. */
  nextBytes: number;
  /** Autoextend maximum; "unlimited" is the file type's own maximum (2^22-2 blocks for smallfile). */
  maxBytes: number | 'unlimited';
}

export interface NewUser {
  username: string;
  password: string;
  defaultTablespace: string;
  temporaryTablespace: string;
}

/** The reads. */
export interface DictionaryReader {
  databaseInfo(): Promise<DatabaseInfo>;
  /** Undefined when the tablespace does not exist. */
  tablespace(name: string): Promise<TablespaceInfo | undefined>;
  tablespaceUsage(name: string): Promise<TablespaceUsage | undefined>;
  /** Every datafile of the database (to derive paths for a new tablespace and avoid clashes). */
  allDatafiles(): Promise<string[]>;
  user(username: string): Promise<UserInfo | undefined>;
  /** Undefined when no role has this name (DBA_ROLES). */
  role(name: string): Promise<RoleInfo | undefined>;
  directory(name: string): Promise<DirectoryInfo | undefined>;
  redoLogs(): Promise<RedoLogGroup[]>;
  tableNames(schema: string): Promise<string[]>;
  invalidObjects(schema: string): Promise<SchemaObject[]>;
  problemConstraints(schema: string): Promise<ConstraintInfo[]>;
  unusableIndexes(schema: string): Promise<UnusableIndex[]>;
  tablePartitions(schema: string): Promise<TablePartition[]>;
  policies(schema: string): Promise<VpdPolicy[]>;
  statistics(schema: string): Promise<StatsInfo>;
  /** Tries a login (one attempt; counts against the profile's FAILED_LOGIN_ATTEMPTS). */
  canLogin(username: string, password: string): Promise<boolean>;
  /** A Data Pump job's state and percent done; undefined when no such job exists (any more). */
  dataPumpProgress(jobName: string): Promise<DataPumpProgress | undefined>;
}

export interface DataPumpProgress {
  state: string;
  /** 0..100 from V$SESSION_LONGOPS; undefined before Data Pump has sized the work. */
  percent?: number;
}

/** The actions. Each is one statement or PL/SQL call (Oracle commits DDL itself). */
export interface DictionaryActions {
  createTablespace(name: string, datafiles: NewDatafile[]): Promise<void>;
  addDatafile(tablespace: string, file: NewDatafile): Promise<void>;
  /** Bigfile tablespaces grow by raising their single file's autoextend maximum. */
  setTablespaceMaxSize(tablespace: string, maxBytes: number, nextBytes: number): Promise<void>;
  createUser(user: NewUser): Promise<void>;
  dropUserCascade(username: string): Promise<void>;
  setPassword(username: string, password: string): Promise<void>;
  unlockUser(username: string): Promise<void>;
  setDefaultTablespace(username: string, tablespace: string): Promise<void>;
  grantRoles(username: string, roles: string[]): Promise<void>;
  setDefaultRoleAll(username: string): Promise<void>;
  setUnlimitedQuota(username: string, tablespace: string): Promise<void>;
  /** CREATE OR REPLACE DIRECTORY. */
  createDirectory(name: string, path: string): Promise<void>;
  grantDirectory(name: string, username: string, privileges: string[]): Promise<void>;
  addRedoLogGroup(group: number, members: string[], bytes: number): Promise<void>;
  compileSchema(schema: string): Promise<void>;
  rebuildIndex(schema: string, index: UnusableIndex): Promise<void>;
  disablePolicy(schema: string, policy: VpdPolicy): Promise<void>;
  gatherSchemaStats(schema: string, degree: number): Promise<void>;
}

export interface Dictionary extends DictionaryReader, DictionaryActions {}

/** A dictionary on an open connection. */
export interface DictionarySession extends Dictionary {
  close(): Promise<void>;
}

/** The shape of an Oracle error, from node-oracledb (errorNum, "ORA-nnnnn: ..." message) or the double. */
export interface OracleErrorLike {
  errorNum?: number;
  message: string;
}

/** "ORA-32771" from an error thrown by node-oracledb or the double; undefined otherwise. */
export function oraCode(err: unknown): string | undefined {
  const e = err as Partial<OracleErrorLike> | null;
  if (!e || typeof e !== 'object') return undefined;
  if (typeof e.errorNum === 'number' && e.errorNum > 0) return `ORA-${String(e.errorNum).padStart(5, '0')}`;
  const m = typeof e.message === 'string' ? /\bORA-\d{5}\b/.exec(e.message) : null;
  return m ? m[0] : undefined;
}
