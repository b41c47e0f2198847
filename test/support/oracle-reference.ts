// Reference data from Oracle's documentation that the offline SQL checks compare our statements
// against: the reserved words (SQL and PL/SQL) and the parameters of every DBMS_* subprogram the
// code calls. Each table names its source; docs/oracle-behaviours.md ("Dictionary and SQL")
// repeats them for review, and the opt-in real-19c suite compares them with V$RESERVED_WORDS
// and ALL_ARGUMENTS on a live database.

/**
 * Oracle SQL reserved words: SQL Language Reference, appendix "Oracle SQL Reserved Words"
 * (https://docs.oracle.com/cd/B19306_01/server.102/b14200/ap_keywd.htm; the same list in every
 * edition read, 8i to 19c). A bind variable named after one fails with ORA-01745 ("invalid
 * host/bind variable name"). V$RESERVED_WORDS (RESERVED = 'Y') is the live source.
 */
export const SQL_RESERVED_WORDS: readonly string[] = `
ACCESS ADD ALL ALTER AND ANY AS ASC AUDIT BETWEEN BY CHAR CHECK CLUSTER COLUMN COMMENT COMPRESS
CONNECT CREATE CURRENT DATE DECIMAL DEFAULT DELETE DESC DISTINCT DROP ELSE EXCLUSIVE EXISTS FILE
FLOAT FOR FROM GRANT GROUP HAVING IDENTIFIED IMMEDIATE IN INCREMENT INDEX INITIAL INSERT INTEGER
INTERSECT INTO IS LEVEL LIKE LOCK LONG MAXEXTENTS MINUS MLSLABEL MODE MODIFY NOAUDIT NOCOMPRESS
NOT NOWAIT NULL NUMBER OF OFFLINE ON ONLINE OPTION OR ORDER PCTFREE PRIOR PRIVILEGES PUBLIC RAW
RENAME RESOURCE REVOKE ROW ROWID ROWNUM ROWS SELECT SESSION SET SHARE SIZE SMALLINT START
SUCCESSFUL SYNONYM SYSDATE TABLE THEN TO TRIGGER UID UNION UNIQUE UPDATE USER VALIDATE VALUES
VARCHAR VARCHAR2 VIEW WHENEVER WHERE WITH`
  .split(/\s+/)
  .filter(Boolean);

/**
 * PL/SQL reserved words: PL/SQL Language Reference, Table D-1 "PL/SQL Reserved Words"
 * (https://docs.oracle.com/en/database/oracle/oracle-database/18/lnpls/plsql-reserved-words-keywords.html).
 * Our binds also appear inside anonymous PL/SQL blocks.
 */
export const PLSQL_RESERVED_WORDS: readonly string[] = `
ALL ALTER AND ANY AS ASC AT BEGIN BETWEEN BY CASE CHECK CLUSTERS CLUSTER COLAUTH COLUMNS COMPRESS
CONNECT CRASH CREATE CURSOR DECLARE DEFAULT DESC DISTINCT DROP ELSE END EXCEPTION EXCLUSIVE FETCH
FOR FROM FUNCTION GOTO GRANT GROUP HAVING IDENTIFIED IF IN INDEX INDEXES INSERT INTERSECT INTO IS
LIKE LOCK MINUS MODE NOCOMPRESS NOT NOWAIT NULL OF ON OPTION OR ORDER OVERLAPS PROCEDURE PUBLIC
RESOURCE REVOKE SELECT SHARE SIZE SQL START SUBTYPE TABAUTH TABLE THEN TO TYPE UNION UNIQUE UPDATE
VALUES VIEW VIEWS WHEN WHERE WITH`
  .split(/\s+/)
  .filter(Boolean);

export const RESERVED_WORDS = new Set([...SQL_RESERVED_WORDS, ...PLSQL_RESERVED_WORDS]);

export interface Subprogram {
  /** Formal parameters in declaration order (positional calls bind in this order). */
  params: readonly string[];
  /** Where the signature is documented. */
  source: string;
}

const ARPLS = 'https://docs.oracle.com/en/database/oracle/oracle-database/19/arpls';

/**
 * The parameters of each DBMS_* subprogram the code calls, from Oracle Database 19c PL/SQL
 * Packages and Types Reference. Overloads share their parameter names and are merged.
 */
export const PACKAGE_SIGNATURES: Readonly<Record<string, Subprogram>> = {
  'DBMS_DATAPUMP.OPEN': {
    params: ['operation', 'job_mode', 'remote_link', 'job_name', 'version'],
    source: `${ARPLS}/DBMS_DATAPUMP.html (OPEN Function)`,
  },
  'DBMS_DATAPUMP.ATTACH': {
    params: ['job_name', 'job_owner'],
    source: `${ARPLS}/DBMS_DATAPUMP.html (ATTACH Function)`,
  },
  'DBMS_DATAPUMP.ADD_FILE': {
    params: ['handle', 'filename', 'directory', 'filesize', 'filetype', 'reusefile'],
    source: `${ARPLS}/DBMS_DATAPUMP.html (ADD_FILE Procedure)`,
  },
  'DBMS_DATAPUMP.METADATA_REMAP': {
    params: ['handle', 'name', 'old_value', 'value', 'object_type'],
    source: `${ARPLS}/DBMS_DATAPUMP.html (METADATA_REMAP Procedure)`,
  },
  'DBMS_DATAPUMP.METADATA_FILTER': {
    params: ['handle', 'name', 'value', 'object_path', 'object_type'],
    source: `${ARPLS}/DBMS_DATAPUMP.html (METADATA_FILTER Procedure)`,
  },
  'DBMS_DATAPUMP.METADATA_TRANSFORM': {
    params: ['handle', 'name', 'value', 'object_type'],
    source: `${ARPLS}/DBMS_DATAPUMP.html (METADATA_TRANSFORM Procedure)`,
  },
  'DBMS_DATAPUMP.SET_PARAMETER': {
    params: ['handle', 'name', 'value'],
    source: `${ARPLS}/DBMS_DATAPUMP.html (SET_PARAMETER Procedures)`,
  },
  'DBMS_DATAPUMP.SET_PARALLEL': {
    params: ['handle', 'degree'],
    source: `${ARPLS}/DBMS_DATAPUMP.html (SET_PARALLEL Procedure)`,
  },
  'DBMS_DATAPUMP.START_JOB': {
    params: ['handle', 'skip_current', 'abort_step', 'cluster_ok', 'service_name'],
    source: `${ARPLS}/DBMS_DATAPUMP.html (START_JOB Procedure)`,
  },
  'DBMS_DATAPUMP.STOP_JOB': {
    params: ['handle', 'immediate', 'keep_master', 'delay'],
    source: `${ARPLS}/DBMS_DATAPUMP.html (STOP_JOB Procedure)`,
  },
  'DBMS_DATAPUMP.DETACH': {
    params: ['handle'],
    source: `${ARPLS}/DBMS_DATAPUMP.html (DETACH Procedure)`,
  },
  'DBMS_DATAPUMP.GET_STATUS': {
    params: ['handle', 'mask', 'timeout', 'job_state', 'status'],
    source: `${ARPLS}/DBMS_DATAPUMP.html (GET_STATUS Procedure)`,
  },
  'DBMS_DATAPUMP.WAIT_FOR_JOB': {
    params: ['handle', 'job_state'],
    source: `${ARPLS}/DBMS_DATAPUMP.html (WAIT_FOR_JOB Procedure)`,
  },
  'DBMS_DATAPUMP.LOG_ENTRY': {
    params: ['handle', 'message', 'log_file_only'],
    source: `${ARPLS}/DBMS_DATAPUMP.html (LOG_ENTRY Procedure)`,
  },
  'DBMS_UTILITY.COMPILE_SCHEMA': {
    params: ['schema', 'compile_all', 'reuse_settings'],
    source: `${ARPLS}/DBMS_UTILITY.html (COMPILE_SCHEMA Procedure)`,
  },
  'DBMS_RLS.ENABLE_POLICY': {
    params: ['object_schema', 'object_name', 'policy_name', 'enable'],
    source: `${ARPLS}/DBMS_RLS.html (ENABLE_POLICY Procedure)`,
  },
  'DBMS_RLS.ENABLE_GROUPED_POLICY': {
    params: ['object_schema', 'object_name', 'group', 'policy_name', 'enable'],
    source: `${ARPLS}/DBMS_RLS.html (ENABLE_GROUPED_POLICY Procedure; called positionally)`,
  },
  'DBMS_STATS.GATHER_SCHEMA_STATS': {
    params: [
      'ownname',
      'estimate_percent',
      'block_sample',
      'method_opt',
      'degree',
      'granularity',
      'cascade',
      'stattab',
      'statid',
      'options',
      'objlist',
      'statown',
      'no_invalidate',
      'gather_temp',
      'gather_fixed',
      'stattype',
      'force',
      'obj_filter_list',
    ],
    source: `${ARPLS}/DBMS_STATS.html (GATHER_SCHEMA_STATS Procedures)`,
  },
};
