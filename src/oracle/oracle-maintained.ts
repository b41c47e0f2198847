// Names a delivered parfile may never point an import at: the accounts Oracle 19c creates and
// maintains (DBA_USERS.ORACLE_MAINTAINED = 'Y' in a fresh 19c database; Oracle Database Security
// Guide, "Predefined schema user accounts") and the tablespaces the database itself uses
// (SYSTEM, SYSAUX, undo and temporary ones). Offline and pure: a fetch has no database to ask.
// The prepare step checks the live dictionary as well.

const MAINTAINED_USERS = new Set([
  'ANONYMOUS',
  'APPQOSSYS',
  'AUDSYS',
  'CTXSYS',
  'DBSFWUSER',
  'DBSNMP',
  'DIP',
  'DVF',
  'DVSYS',
  'FLOWS_FILES',
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
  'PUBLIC',
  'REMOTE_SCHEDULER_AGENT',
  'SI_INFORMTN_SCHEMA',
  'SYS',
  'SYS$UMF',
  'SYSBACKUP',
  'SYSDG',
  'SYSKM',
  'SYSRAC',
  'SYSTEM',
  'WMSYS',
  'XDB',
  'XS$NULL',
]);

/** True for an account Oracle maintains (upper-cased name), including APEX_nnnnnn schemas. */
export function isOracleMaintainedSchema(name: string): boolean {
  const n = name.toUpperCase();
  return MAINTAINED_USERS.has(n) || /^APEX_\d+$/.test(n) || /^APEX_PUBLIC_/.test(n);
}

/** True for SYSTEM, SYSAUX and the usual undo and temporary tablespace names. */
export function isSystemTablespace(name: string): boolean {
  const n = name.toUpperCase();
  return n === 'SYSTEM' || n === 'SYSAUX' || /^UNDO/.test(n) || /^TEMP/.test(n);
}
