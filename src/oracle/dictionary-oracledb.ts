// The dictionary on a real database, through the OracleConnection of connection.ts (node-oracledb
// thin mode). Only maps rows to the types of dictionary.ts and runs the statements of
// sql/dictionary.ts; decisions live in the callers.
import type { StepConfig } from '../contract/step-config.js';
import {
  openConnection,
  type OpenConnectionOptions,
  oracleErrorCode,
  type OracleConnection,
} from './connection.js';
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
  TablespaceType,
  TablespaceUsage,
  UnusableIndex,
  UserInfo,
  VpdPolicy,
} from './dictionary.js';
import * as q from './sql/dictionary.js';

type Row = Record<string, unknown>;

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

/** "Oracle Database 19c Enterprise Edition Release ..." -> "Enterprise". */
export function editionFromBanner(banner: string): string {
  const m = /\b(Enterprise|Standard(?: Edition 2)?|Express|Personal|Free)\b/i.exec(banner);
  if (!m) return 'Unknown';
  const word = m[1]!.split(' ')[0]!;
  return word[0]!.toUpperCase() + word.slice(1).toLowerCase();
}

const optional = <K extends string, V>(key: K, v: V | undefined) =>
  (v === undefined ? {} : { [key]: v }) as Partial<Record<K, V>>;

/**
 * DATABASE_PROPERTIES MAX_PDB_STORAGE: "UNLIMITED", absent (not a PDB), or a size (bytes, or
 * with a K/M/G/T suffix as STORAGE (MAXSIZE ...) accepts it) -> bytes, undefined for no limit.
 */
export function parseStorageProperty(value: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGTP]?)B?\s*$/i.exec(value);
  if (!m) return undefined;
  const power = ' KMGTP'.indexOf((m[2] || ' ').toUpperCase());
  return Math.round(Number(m[1]) * 1024 ** power);
}

export interface OracleDictionaryOptions {
  /** Tries a login as another user (a separate connection); used by canLogin. */
  tryLogin?: (username: string, password: string) => Promise<boolean>;
}

export class OracleDictionary implements DictionarySession {
  constructor(
    private readonly conn: OracleConnection,
    private readonly options: OracleDictionaryOptions = {},
  ) {}

  private async rows(sql: string, binds: Record<string, string | number> = {}): Promise<Row[]> {
    return (await this.conn.execute<Row>(sql, binds)).rows;
  }

  private async run(sql: string, binds: Record<string, string | number> = {}): Promise<void> {
    await this.conn.execute(sql, binds);
  }

  async databaseInfo(): Promise<DatabaseInfo> {
    const [r] = await this.rows(q.SQL_DATABASE_INFO);
    if (!r) throw new Error('V$INSTANCE returned no row');
    const version = str(r.VERSION_FULL);
    const banner = str(r.BANNER);
    const conId = num(r.CON_ID);
    return {
      version,
      major: Number(version.split('.')[0]),
      edition: editionFromBanner(banner),
      banner,
      characterSet: str(r.CHARACTER_SET),
      nationalCharacterSet: str(r.NCHAR_CHARACTER_SET),
      containerName: str(r.CON_NAME),
      isPdb: conId > 2,
      dbFilesLimit: num(r.DB_FILES),
      datafileCount: num(r.DATAFILE_COUNT),
      highestFileNumber: num(r.HIGHEST_FILE_NUMBER),
      defaultTablespaceType: str(r.DEFAULT_TBS_TYPE).toUpperCase() === 'BIGFILE' ? 'BIGFILE' : 'SMALLFILE',
      ...optional('maxPdbStorageBytes', parseStorageProperty(str(r.MAX_PDB_STORAGE))),
      containerFileBytes: num(r.CONTAINER_FILE_BYTES),
      defaultTemporaryTablespace: str(r.DEFAULT_TEMP),
      defaultBlockSize: num(r.BLOCK_SIZE) || 8192,
    };
  }

  async tablespace(name: string): Promise<TablespaceInfo | undefined> {
    const [t] = await this.rows(q.SQL_TABLESPACE, { name });
    if (!t) return undefined;
    const files = await this.rows(q.SQL_TABLESPACE_DATAFILES, { name });
    return {
      name,
      bigfile: str(t.BIGFILE) === 'YES',
      blockSize: num(t.BLOCK_SIZE),
      status: str(t.STATUS),
      contents: str(t.CONTENTS),
      datafiles: files.map((f): DatafileInfo => ({
        fileName: str(f.FILE_NAME),
        bytes: num(f.BYTES),
        autoextensible: str(f.AUTOEXTENSIBLE) === 'YES',
        maxBytes: num(f.MAXBYTES),
        incrementBytes: num(f.INCREMENT_BYTES),
      })),
    };
  }

  async tablespaceUsage(name: string): Promise<TablespaceUsage | undefined> {
    const [r] = await this.rows(q.SQL_TABLESPACE_USAGE, { name });
    if (!r) return undefined;
    return {
      tablespace: name,
      usedBytes: num(r.USED_BYTES),
      reportedSizeBytes: num(r.REPORTED_SIZE_BYTES),
      allocatedBytes: num(r.ALLOCATED_BYTES),
      freeBytes: num(r.FREE_BYTES),
    };
  }

  async allDatafiles(): Promise<string[]> {
    return (await this.rows(q.SQL_ALL_DATAFILES)).map((r) => str(r.FILE_NAME));
  }

  async user(username: string): Promise<UserInfo | undefined> {
    const [u] = await this.rows(q.SQL_USER, { name: username });
    if (!u) return undefined;
    const roles = await this.rows(q.SQL_USER_ROLES, { name: username });
    const quotas = await this.rows(q.SQL_USER_QUOTAS, { name: username });
    return {
      username,
      accountStatus: str(u.ACCOUNT_STATUS),
      defaultTablespace: str(u.DEFAULT_TABLESPACE),
      temporaryTablespace: str(u.TEMPORARY_TABLESPACE),
      roles: roles.map((r) => ({ role: str(r.GRANTED_ROLE), defaultRole: str(r.DEFAULT_ROLE) === 'YES' })),
      quotas: quotas.map((r) => ({ tablespace: str(r.TABLESPACE_NAME), maxBytes: num(r.MAX_BYTES) })),
      objectCount: num(u.OBJECT_COUNT),
      oracleMaintained: str(u.ORACLE_MAINTAINED) === 'Y',
    };
  }

  async role(name: string): Promise<RoleInfo | undefined> {
    const [r] = await this.rows(q.SQL_ROLE, { name });
    return r ? { role: str(r.ROLE), oracleMaintained: str(r.ORACLE_MAINTAINED) === 'Y' } : undefined;
  }

  async directory(name: string): Promise<DirectoryInfo | undefined> {
    const [d] = await this.rows(q.SQL_DIRECTORY, { name });
    if (!d) return undefined;
    const grants = await this.rows(q.SQL_DIRECTORY_GRANTS, { name });
    return {
      name,
      path: str(d.DIRECTORY_PATH),
      grants: grants.map((g) => ({ grantee: str(g.GRANTEE), privilege: str(g.PRIVILEGE) })),
    };
  }

  async dataPumpProgress(jobName: string): Promise<DataPumpProgress | undefined> {
    const [row] = await this.rows(q.SQL_JOB_PROGRESS, { job_name: jobName });
    if (!row) return undefined;
    const total = num(row.TOTALWORK);
    return {
      state: str(row.STATE),
      ...(total > 0 ? { percent: Math.min(100, (100 * num(row.SOFAR)) / total) } : {}),
    };
  }

  async redoLogs(): Promise<RedoLogGroup[]> {
    const groups = new Map<number, RedoLogGroup>();
    for (const r of await this.rows(q.SQL_REDO_LOGS)) {
      const g = num(r.GROUP_NO);
      const entry = groups.get(g) ?? {
        group: g,
        thread: num(r.THREAD_NO),
        bytes: num(r.BYTES),
        status: str(r.STATUS),
        members: [],
      };
      entry.members.push(str(r.MEMBER));
      groups.set(g, entry);
    }
    return [...groups.values()];
  }

  async tableNames(schema: string): Promise<string[]> {
    return (await this.rows(q.SQL_TABLE_NAMES, { schema })).map((r) => str(r.TABLE_NAME));
  }

  async invalidObjects(schema: string): Promise<SchemaObject[]> {
    return (await this.rows(q.SQL_INVALID_OBJECTS, { schema })).map((r) => ({
      name: str(r.OBJECT_NAME),
      type: str(r.OBJECT_TYPE),
    }));
  }

  async problemConstraints(schema: string): Promise<ConstraintInfo[]> {
    return (await this.rows(q.SQL_PROBLEM_CONSTRAINTS, { schema })).map((r) => ({
      table: str(r.TABLE_NAME),
      name: str(r.CONSTRAINT_NAME),
      type: str(r.CONSTRAINT_TYPE),
      status: str(r.STATUS),
      validated: str(r.VALIDATED),
    }));
  }

  async unusableIndexes(schema: string): Promise<UnusableIndex[]> {
    return (await this.rows(q.SQL_UNUSABLE_INDEXES, { schema })).map((r) => ({
      index: str(r.INDEX_NAME),
      ...(r.PARTITION_NAME ? { partition: str(r.PARTITION_NAME) } : {}),
      ...(r.SUBPARTITION_NAME ? { subpartition: str(r.SUBPARTITION_NAME) } : {}),
    }));
  }

  async tablePartitions(schema: string): Promise<TablePartition[]> {
    return (await this.rows(q.SQL_TABLE_PARTITIONS, { schema })).map((r) => ({
      table: str(r.TABLE_NAME),
      partition: str(r.PARTITION_NAME),
    }));
  }

  async policies(schema: string): Promise<VpdPolicy[]> {
    return (await this.rows(q.SQL_POLICIES, { schema })).map((r) => ({
      object: str(r.OBJECT_NAME),
      policyGroup: str(r.POLICY_GROUP) || 'SYS_DEFAULT',
      policy: str(r.POLICY_NAME),
      enabled: str(r.ENABLE) === 'YES',
    }));
  }

  async statistics(schema: string): Promise<StatsInfo> {
    const [r] = await this.rows(q.SQL_STATISTICS, { schema });
    return { tables: num(r?.TABLES), neverAnalyzed: num(r?.NEVER_ANALYZED), stale: num(r?.STALE) };
  }

  async canLogin(username: string, password: string): Promise<boolean> {
    if (!this.options.tryLogin) throw new Error('canLogin needs a tryLogin function');
    return this.options.tryLogin(username, password);
  }

  createTablespace(name: string, datafiles: NewDatafile[], type: TablespaceType): Promise<void> {
    return this.run(q.createTablespaceSql(name, datafiles, type));
  }

  addDatafile(tablespace: string, file: NewDatafile): Promise<void> {
    return this.run(q.addDatafileSql(tablespace, file));
  }

  setTablespaceMaxSize(tablespace: string, maxBytes: number, nextBytes: number): Promise<void> {
    return this.run(q.bigfileMaxSizeSql(tablespace, maxBytes, nextBytes));
  }

  createUser(user: NewUser): Promise<void> {
    return this.run(
      q.createUserSql(user.username, user.password, user.defaultTablespace, user.temporaryTablespace).sql,
    );
  }

  dropUserCascade(username: string): Promise<void> {
    return this.run(q.dropUserSql(username));
  }

  setPassword(username: string, password: string): Promise<void> {
    return this.run(q.setPasswordSql(username, password).sql);
  }

  unlockUser(username: string): Promise<void> {
    return this.run(q.unlockUserSql(username));
  }

  setDefaultTablespace(username: string, tablespace: string): Promise<void> {
    return this.run(q.defaultTablespaceSql(username, tablespace));
  }

  grantRoles(username: string, roles: string[]): Promise<void> {
    return this.run(q.grantRolesSql(username, roles));
  }

  setDefaultRoleAll(username: string): Promise<void> {
    return this.run(q.defaultRoleAllSql(username));
  }

  setUnlimitedQuota(username: string, tablespace: string): Promise<void> {
    return this.run(q.unlimitedQuotaSql(username, tablespace));
  }

  createDirectory(name: string, path: string): Promise<void> {
    return this.run(q.createDirectorySql(name, path));
  }

  grantDirectory(name: string, username: string, privileges: string[]): Promise<void> {
    return this.run(q.grantDirectorySql(name, username, privileges));
  }

  addRedoLogGroup(group: number, members: string[], bytes: number): Promise<void> {
    return this.run(q.addRedoLogGroupSql(group, members, bytes));
  }

  compileSchema(schema: string): Promise<void> {
    return this.run(q.PLSQL_COMPILE_SCHEMA, { schema });
  }

  rebuildIndex(schema: string, index: UnusableIndex): Promise<void> {
    return this.run(q.rebuildIndexSql(schema, index));
  }

  disablePolicy(schema: string, policy: VpdPolicy): Promise<void> {
    if (policy.policyGroup && policy.policyGroup !== 'SYS_DEFAULT') {
      return this.run(q.PLSQL_DISABLE_GROUPED_POLICY, {
        schema,
        object_name: policy.object,
        policy_group: policy.policyGroup,
        policy_name: policy.policy,
      });
    }
    return this.run(q.PLSQL_DISABLE_POLICY, {
      schema,
      object_name: policy.object,
      policy_name: policy.policy,
    });
  }

  gatherSchemaStats(schema: string, degree: number): Promise<void> {
    return this.run(q.PLSQL_GATHER_SCHEMA_STATS, { schema, degree });
  }

  close(): Promise<void> {
    return this.conn.close();
  }
}

/**
 * Opens the dictionary as the admin account. `root` connects to database.rootConnectString
 * (CDB$ROOT, for CDB-wide changes such as redo logs) instead of the PDB service.
 */
export async function openDictionary(
  config: StepConfig,
  options: { module: string; root?: boolean } & Omit<OpenConnectionOptions, 'module'>,
): Promise<DictionarySession> {
  const { root, ...connectionOptions } = options;
  const target =
    root && config.database.rootConnectString
      ? { ...config, database: { ...config.database, connectString: config.database.rootConnectString } }
      : config;
  const conn = await openConnection(target, connectionOptions);
  const tryLogin = async (username: string, password: string): Promise<boolean> => {
    try {
      const other = await openConnection(config, {
        ...connectionOptions,
        credentials: { username, password },
      });
      await other.close();
      return true;
    } catch (err) {
      const code = oracleErrorCode(err);
      // Wrong password, locked or expired: the caller resets or unlocks.
      if (code === 'ORA-01017' || code === 'ORA-28000' || code === 'ORA-28001') return false;
      throw err;
    }
  };
  return new OracleDictionary(conn, { tryLogin });
}
