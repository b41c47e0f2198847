// Every dictionary query and every DDL / PL/SQL statement that prepare, the tablespace guard
// and verify run, in one file a DBA can review. Values are bind variables wherever Oracle allows
// them; DDL cannot bind identifiers, paths or passwords, so those are validated and quoted here
// (and nothing else builds DDL). `display` forms hide the password.

// ---------------------------------------------------------------------------------------------
// Reads
// ---------------------------------------------------------------------------------------------

/** Version, edition banner, character sets, container, DB_FILES, default temporary tablespace. */
export const SQL_DATABASE_INFO = `
SELECT i.version_full AS version_full,
       (SELECT v.banner_full FROM v$version v WHERE v.banner LIKE 'Oracle Database%' FETCH FIRST 1 ROWS ONLY) AS banner,
       (SELECT p.value FROM nls_database_parameters p WHERE p.parameter = 'NLS_CHARACTERSET') AS character_set,
       (SELECT p.value FROM nls_database_parameters p WHERE p.parameter = 'NLS_NCHAR_CHARACTERSET') AS nchar_character_set,
       SYS_CONTEXT('USERENV', 'CON_NAME') AS con_name,
       TO_NUMBER(SYS_CONTEXT('USERENV', 'CON_ID')) AS con_id,
       (SELECT TO_NUMBER(p.value) FROM v$parameter p WHERE p.name = 'db_files') AS db_files,
       (SELECT COUNT(*) FROM v$datafile) AS datafile_count,
       (SELECT TO_NUMBER(p.value) FROM v$parameter p WHERE p.name = 'db_block_size') AS block_size,
       (SELECT d.property_value FROM database_properties d WHERE d.property_name = 'DEFAULT_TEMP_TABLESPACE') AS default_temp
  FROM v$instance i`;

export const SQL_TABLESPACE = `
SELECT t.tablespace_name, t.bigfile, t.block_size, t.status, t.contents
  FROM dba_tablespaces t
 WHERE t.tablespace_name = :name`;

/** INCREMENT_BY is in blocks: multiplied by the block size to give bytes. */
export const SQL_TABLESPACE_DATAFILES = `
SELECT d.file_name, d.bytes, d.autoextensible, d.maxbytes, d.increment_by * t.block_size AS increment_bytes
  FROM dba_data_files d
  JOIN dba_tablespaces t ON t.tablespace_name = d.tablespace_name
 WHERE d.tablespace_name = :name
 ORDER BY d.file_id`;

/**
 * Two measures of fill, both reported: DBA_TABLESPACE_USAGE_METRICS (blocks) is measured against
 * the autoextend maximum; DBA_DATA_FILES minus DBA_FREE_SPACE against what is allocated now.
 */
export const SQL_TABLESPACE_USAGE = `
SELECT m.used_space * t.block_size AS used_bytes,
       m.tablespace_size * t.block_size AS max_bytes,
       (SELECT NVL(SUM(d.bytes), 0) FROM dba_data_files d WHERE d.tablespace_name = t.tablespace_name) AS allocated_bytes,
       (SELECT NVL(SUM(f.bytes), 0) FROM dba_free_space f WHERE f.tablespace_name = t.tablespace_name) AS free_bytes
  FROM dba_tablespaces t
  LEFT JOIN dba_tablespace_usage_metrics m ON m.tablespace_name = t.tablespace_name
 WHERE t.tablespace_name = :name`;

export const SQL_ALL_DATAFILES = `
SELECT file_name FROM dba_data_files
UNION ALL
SELECT file_name FROM dba_temp_files`;

export const SQL_USER = `
SELECT u.username, u.account_status, u.default_tablespace, u.temporary_tablespace, u.oracle_maintained,
       (SELECT COUNT(*) FROM dba_objects o WHERE o.owner = u.username) AS object_count
  FROM dba_users u
 WHERE u.username = :name`;

/** Users and roles share one namespace (ORA-01920): a schema must not be named like a role. */
export const SQL_ROLE = `
SELECT r.role, r.oracle_maintained FROM dba_roles r WHERE r.role = :name`;

export const SQL_USER_ROLES = `
SELECT granted_role, default_role FROM dba_role_privs WHERE grantee = :name`;

/** MAX_BYTES = -1 means UNLIMITED. */
export const SQL_USER_QUOTAS = `
SELECT tablespace_name, max_bytes FROM dba_ts_quotas WHERE username = :name`;

export const SQL_DIRECTORY = `
SELECT directory_name, directory_path FROM dba_directories WHERE directory_name = :name`;

export const SQL_DIRECTORY_GRANTS = `
SELECT grantee, privilege FROM dba_tab_privs WHERE table_name = :name AND type = 'DIRECTORY'`;

/** Redo logs are CDB-wide; from a PDB the views show the container database's groups. */
export const SQL_REDO_LOGS = `
SELECT l.group# AS group_no, l.thread# AS thread_no, l.bytes, l.status, f.member
  FROM v$log l
  JOIN v$logfile f ON f.group# = l.group#
 ORDER BY l.group#, f.member`;

/** Tables as Data Pump counts them: no recycle-bin, secondary (domain index) or IOT overflow tables. */
export const SQL_TABLE_NAMES = `
SELECT table_name
  FROM dba_tables
 WHERE owner = :schema
   AND dropped = 'NO'
   AND secondary = 'N'
   AND (iot_type IS NULL OR iot_type <> 'IOT_OVERFLOW')
 ORDER BY table_name`;

export const SQL_INVALID_OBJECTS = `
SELECT object_name, object_type
  FROM dba_objects
 WHERE owner = :schema AND status = 'INVALID'
 ORDER BY object_type, object_name`;

export const SQL_PROBLEM_CONSTRAINTS = `
SELECT table_name, constraint_name, constraint_type, status, validated
  FROM dba_constraints
 WHERE owner = :schema
   AND (status = 'DISABLED' OR validated = 'NOT VALIDATED')
   AND table_name NOT LIKE 'BIN$%'
 ORDER BY table_name, constraint_name`;

/** A partitioned index shows N/A in DBA_INDEXES: its partitions and subpartitions are checked too. */
export const SQL_UNUSABLE_INDEXES = `
SELECT index_name, NULL AS partition_name, NULL AS subpartition_name
  FROM dba_indexes WHERE owner = :schema AND status = 'UNUSABLE'
UNION ALL
SELECT index_name, partition_name, NULL
  FROM dba_ind_partitions WHERE index_owner = :schema AND status = 'UNUSABLE'
UNION ALL
SELECT index_name, partition_name, subpartition_name
  FROM dba_ind_subpartitions WHERE index_owner = :schema AND status = 'UNUSABLE'`;

export const SQL_TABLE_PARTITIONS = `
SELECT table_name, partition_name
  FROM dba_tab_partitions
 WHERE table_owner = :schema
 ORDER BY table_name, partition_position`;

export const SQL_POLICIES = `
SELECT object_name, policy_group, policy_name, enable
  FROM dba_policies
 WHERE object_owner = :schema
 ORDER BY object_name, policy_group, policy_name`;

/** Global temporary tables are left out: GATHER_SCHEMA_STATS skips them by design. */
export const SQL_STATISTICS = `
SELECT COUNT(*) AS tables,
       NVL(SUM(CASE WHEN s.last_analyzed IS NULL THEN 1 ELSE 0 END), 0) AS never_analyzed,
       NVL(SUM(CASE WHEN s.stale_stats = 'YES' THEN 1 ELSE 0 END), 0) AS stale
  FROM dba_tab_statistics s
  JOIN dba_tables t ON t.owner = s.owner AND t.table_name = s.table_name
 WHERE s.owner = :schema AND s.object_type = 'TABLE' AND t.temporary = 'N' AND t.dropped = 'NO'`;

// ---------------------------------------------------------------------------------------------
// Statements (PL/SQL with binds)
// ---------------------------------------------------------------------------------------------

/** Recompiles only what is invalid (compile_all => FALSE). UTL_RECOMP needs SYSDBA: not used. */
export const PLSQL_COMPILE_SCHEMA = `
BEGIN
  DBMS_UTILITY.COMPILE_SCHEMA(schema => :schema, compile_all => FALSE);
END;`;

export const PLSQL_DISABLE_POLICY = `
BEGIN
  DBMS_RLS.ENABLE_POLICY(:schema, :object_name, :policy_name, FALSE);
END;`;

/** Positional arguments: the group parameter's name differs between releases. */
export const PLSQL_DISABLE_GROUPED_POLICY = `
BEGIN
  DBMS_RLS.ENABLE_GROUPED_POLICY(:schema, :object_name, :policy_group, :policy_name, FALSE);
END;`;

export const PLSQL_GATHER_SCHEMA_STATS = `
BEGIN
  DBMS_STATS.GATHER_SCHEMA_STATS(ownname => :schema, degree => :degree);
END;`;

// ---------------------------------------------------------------------------------------------
// DDL (identifiers, paths and passwords cannot be bound: validated and quoted here)
// ---------------------------------------------------------------------------------------------

export class SqlValueError extends Error {}

const IDENTIFIER = /^[A-Z][A-Z0-9_$#]{0,127}$/;
const hasControl = (s: string) => [...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

/** A quoted identifier. Only the upper-case, unquoted-style names the dictionary stores are accepted. */
export function ident(name: string): string {
  if (!IDENTIFIER.test(name)) {
    throw new SqlValueError(
      `${JSON.stringify(name)} is not a valid Oracle name (upper-case letter first, then A-Z 0-9 _ $ #, at most 128)`,
    );
  }
  return `"${name}"`;
}

/** Object names from the dictionary (index, partition, table) may be any quoted identifier. */
export function dictIdent(name: string): string {
  if (name.length === 0 || name.length > 128 || name.includes('"') || hasControl(name)) {
    throw new SqlValueError(`${JSON.stringify(name)} cannot be used as an Oracle identifier`);
  }
  return `"${name}"`;
}

/** A string literal for a file or directory path. */
export function pathLiteral(p: string): string {
  if (!p.startsWith('/') || p.length > 512 || p.includes("'") || hasControl(p)) {
    throw new SqlValueError(
      `${JSON.stringify(p)} is not an acceptable server path (absolute, no quotes or control characters)`,
    );
  }
  return `'${p}'`;
}

/** IDENTIFIED BY "...": any printable character except the double quote; 1..1024 bytes. */
export function passwordLiteral(pw: string): string {
  if (pw.length === 0 || Buffer.byteLength(pw) > 1024 || pw.includes('"') || hasControl(pw)) {
    throw new SqlValueError(
      'the schema password must be 1 to 1024 bytes without double quotes or control characters',
    );
  }
  return `"${pw}"`;
}

/** Sizes as a DBA writes them: 512M, 1G, or bytes when not a whole number of KiB. */
export function sizeClause(bytes: number): string {
  if (!Number.isSafeInteger(bytes) || bytes <= 0) throw new SqlValueError(`invalid size ${bytes}`);
  for (const [unit, factor] of [
    ['T', 1024 ** 4],
    ['G', 1024 ** 3],
    ['M', 1024 ** 2],
    ['K', 1024],
  ] as const) {
    if (bytes % factor === 0) return `${bytes / factor}${unit}`;
  }
  return String(bytes);
}

export interface DatafileClause {
  path: string;
  sizeBytes: number;
  nextBytes: number;
  maxBytes: number | 'unlimited';
}

function datafileClause(f: DatafileClause): string {
  const max = f.maxBytes === 'unlimited' ? 'UNLIMITED' : sizeClause(f.maxBytes);
  return `${pathLiteral(f.path)} SIZE ${sizeClause(f.sizeBytes)} AUTOEXTEND ON NEXT ${sizeClause(f.nextBytes)} MAXSIZE ${max}`;
}

export function createTablespaceSql(name: string, files: DatafileClause[]): string {
  if (files.length === 0) throw new SqlValueError('a tablespace needs at least one datafile');
  return `CREATE TABLESPACE ${ident(name)} DATAFILE ${files.map(datafileClause).join(', ')}`;
}

export function addDatafileSql(tablespace: string, file: DatafileClause): string {
  return `ALTER TABLESPACE ${ident(tablespace)} ADD DATAFILE ${datafileClause(file)}`;
}

/** Bigfile tablespaces only (ORA-32773 on a smallfile one). */
export function bigfileMaxSizeSql(tablespace: string, maxBytes: number, nextBytes: number): string {
  return `ALTER TABLESPACE ${ident(tablespace)} AUTOEXTEND ON NEXT ${sizeClause(nextBytes)} MAXSIZE ${sizeClause(maxBytes)}`;
}

export interface Statement {
  sql: string;
  /** Safe to log and report: the password replaced. */
  display: string;
}

export function createUserSql(
  username: string,
  password: string,
  defaultTablespace: string,
  temporaryTablespace: string,
): Statement {
  const tail = `DEFAULT TABLESPACE ${ident(defaultTablespace)} TEMPORARY TABLESPACE ${ident(temporaryTablespace)} ACCOUNT UNLOCK`;
  return {
    sql: `CREATE USER ${ident(username)} IDENTIFIED BY ${passwordLiteral(password)} ${tail}`,
    display: `CREATE USER ${ident(username)} IDENTIFIED BY ******** ${tail}`,
  };
}

export function setPasswordSql(username: string, password: string): Statement {
  return {
    sql: `ALTER USER ${ident(username)} IDENTIFIED BY ${passwordLiteral(password)}`,
    display: `ALTER USER ${ident(username)} IDENTIFIED BY ********`,
  };
}

export const dropUserSql = (u: string) => `DROP USER ${ident(u)} CASCADE`;
export const unlockUserSql = (u: string) => `ALTER USER ${ident(u)} ACCOUNT UNLOCK`;
export const defaultTablespaceSql = (u: string, ts: string) =>
  `ALTER USER ${ident(u)} DEFAULT TABLESPACE ${ident(ts)}`;
export const defaultRoleAllSql = (u: string) => `ALTER USER ${ident(u)} DEFAULT ROLE ALL`;
export const unlimitedQuotaSql = (u: string, ts: string) =>
  `ALTER USER ${ident(u)} QUOTA UNLIMITED ON ${ident(ts)}`;

/** Roles are plain names (CONNECT, DBA, DATAPUMP_IMP_FULL_DATABASE): left unquoted for readability. */
export function grantRolesSql(username: string, roles: string[]): string {
  if (roles.length === 0) throw new SqlValueError('no role to grant');
  for (const r of roles) ident(r);
  return `GRANT ${roles.join(', ')} TO ${ident(username)}`;
}

export const createDirectorySql = (name: string, p: string) =>
  `CREATE OR REPLACE DIRECTORY ${ident(name)} AS ${pathLiteral(p)}`;

export function grantDirectorySql(name: string, username: string, privileges: string[]): string {
  for (const p of privileges) {
    if (!['READ', 'WRITE', 'EXECUTE'].includes(p))
      throw new SqlValueError(`unknown directory privilege ${p}`);
  }
  return `GRANT ${privileges.join(', ')} ON DIRECTORY ${ident(name)} TO ${ident(username)}`;
}

/** CDB-wide: must run in CDB$ROOT (ORA-65040 in a PDB). */
export function addRedoLogGroupSql(group: number, members: string[], bytes: number): string {
  if (!Number.isInteger(group) || group < 1) throw new SqlValueError(`invalid redo log group ${group}`);
  return `ALTER DATABASE ADD LOGFILE GROUP ${group} (${members.map(pathLiteral).join(', ')}) SIZE ${sizeClause(bytes)}`;
}

export function rebuildIndexSql(
  schema: string,
  index: { index: string; partition?: string; subpartition?: string },
): string {
  const target = `${ident(schema)}.${dictIdent(index.index)}`;
  if (index.subpartition)
    return `ALTER INDEX ${target} REBUILD SUBPARTITION ${dictIdent(index.subpartition)}`;
  if (index.partition) return `ALTER INDEX ${target} REBUILD PARTITION ${dictIdent(index.partition)}`;
  return `ALTER INDEX ${target} REBUILD`;
}

/**
 * How far a job is, for the controller's status while it runs (any session may ask): its state,
 * and Data Pump's own long-operation counter (SOFAR of TOTALWORK, in MB). No row once the job has
 * finished and dropped its master table.
 */
export const SQL_JOB_PROGRESS = `
SELECT j.state, l.sofar, l.totalwork
  FROM dba_datapump_jobs j
  LEFT JOIN v$session_longops l
         ON l.opname = j.job_name AND l.totalwork > 0
 WHERE j.job_name = :job_name
 ORDER BY l.last_update_time DESC NULLS LAST
 FETCH FIRST 1 ROWS ONLY`;
