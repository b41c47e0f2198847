// Names that belong to Oracle and must never become a restore's schema or tablespace. Prepare asks
// the database (DBA_USERS.ORACLE_MAINTAINED, DBA_ROLES, DBA_TABLESPACES.CONTENTS); these fixed
// lists give the same answer offline (the CRD's CEL rules, `alma-restore plan`) for the names
// every 19c database has, and stay refused in prepare even where that database lacks the account
// (creating a user OLAPSYS would break a later OLAP install). Pure data; a leaf module.
//
// Oracle Database Reference 19c, DBA_USERS / ALL_USERS: ORACLE_MAINTAINED "Denotes whether the
// user was created, and is maintained, by Oracle-supplied scripts (such as catalog.sql or
// catproc.sql). A user for which this column has the value Y must not be changed in any way except
// by running an Oracle-supplied script." DBA_ROLES has the same column for roles.

/**
 * The 36 accounts with ORACLE_MAINTAINED = 'Y' in a fresh 19c database (SELECT username FROM
 * dba_users WHERE oracle_maintained = 'Y'), plus PDBADMIN (the PDB's local admin that the
 * official image creates: ORACLE_MAINTAINED = 'N', but ours) and PUBLIC.
 */
export const ORACLE_MAINTAINED_USERS: readonly string[] = [
  'SYS',
  'SYSTEM',
  'SYSBACKUP',
  'SYSDG',
  'SYSKM',
  'SYSRAC',
  'SYS$UMF',
  'AUDSYS',
  'ANONYMOUS',
  'APPQOSSYS',
  'CTXSYS',
  'DBSFWUSER',
  'DBSNMP',
  'DIP',
  'DVF',
  'DVSYS',
  'GGSYS',
  'GSMADMIN_INTERNAL',
  'GSMCATUSER',
  'GSMROOTUSER',
  'GSMUSER',
  'LBACSYS',
  'MDDATA',
  'MDSYS',
  'OJVMSYS',
  'OLAPSYS',
  'ORACLE_OCM',
  'ORDDATA',
  'ORDPLUGINS',
  'ORDSYS',
  'OUTLN',
  'REMOTE_SCHEDULER_AGENT',
  'SI_INFORMTN_SCHEMA',
  'WMSYS',
  'XDB',
  'XS$NULL',
  'PDBADMIN',
  'PUBLIC',
];

/**
 * Predefined roles of 19c that a user name would collide with (ORA-01920 "user name conflicts
 * with another user or role name"); prepare also refuses any other role the database has.
 */
export const ORACLE_ROLES: readonly string[] = [
  'DBA',
  'CONNECT',
  'RESOURCE',
  'DATAPUMP_EXP_FULL_DATABASE',
  'DATAPUMP_IMP_FULL_DATABASE',
  'EXP_FULL_DATABASE',
  'IMP_FULL_DATABASE',
  'SELECT_CATALOG_ROLE',
  'EXECUTE_CATALOG_ROLE',
  'AUDIT_ADMIN',
  'AUDIT_VIEWER',
  'CAPTURE_ADMIN',
  'CDB_DBA',
  'PDB_DBA',
  'SCHEDULER_ADMIN',
  'RECOVERY_CATALOG_OWNER',
  'GATHER_SYSTEM_STATISTICS',
  'LOGSTDBY_ADMINISTRATOR',
  'OEM_MONITOR',
  'XDBADMIN',
];

/** Every name a schema override must not take offline: the accounts above and the roles. */
export const RESERVED_SCHEMA_NAMES: readonly string[] = [...ORACLE_MAINTAINED_USERS, ...ORACLE_ROLES];

/**
 * SYSTEM and SYSAUX are created with the database under these names (both PERMANENT, so CONTENTS
 * cannot tell them); undo and temporary tablespaces are told by DBA_TABLESPACES.CONTENTS (UNDO,
 * TEMPORARY; 19c also has LOST WRITE PROTECTION), and offline by the names DBCA gives them.
 */
export const SYSTEM_TABLESPACES: readonly string[] = ['SYSTEM', 'SYSAUX'];
/** The names DBCA and the official image give undo and temporary tablespaces: UNDOTBS1, UNDOTBS2 (RAC), TEMP. */
export const UNDO_TEMP_TABLESPACE_PATTERN = '^(UNDOTBS|TEMP)[0-9]*$';
/** The only CONTENTS value a restore's tablespace may have. */
export const DATA_TABLESPACE_CONTENTS = 'PERMANENT';

export function isReservedSchemaName(name: string): boolean {
  return RESERVED_SCHEMA_NAMES.includes(name);
}

export function isReservedTablespaceName(name: string): boolean {
  return SYSTEM_TABLESPACES.includes(name) || new RegExp(UNDO_TEMP_TABLESPACE_PATTERN).test(name);
}
