// Prepare's guard for names that belong to Oracle: a schema that is an Oracle-maintained account
// (DBA_USERS.ORACLE_MAINTAINED = 'Y', or a name on the fixed list every 19c has), a schema named
// like a role (users and roles share one namespace: ORA-01920), and a tablespace that is SYSTEM,
// SYSAUX, undo or temporary (DBA_TABLESPACES.CONTENTS). Decided from what was observed, before
// any statement and without a login attempt as that account. Pure.
import type { RoleInfo, TablespaceInfo, UserInfo } from '../../oracle/dictionary.js';
import {
  DATA_TABLESPACE_CONTENTS,
  SYSTEM_TABLESPACES,
  isReservedSchemaName,
  isReservedTablespaceName,
} from '../../oracle/oracle-maintained.js';

export interface ProtectedNameObservation {
  institutionId: string;
  schema: string;
  tablespaceName: string;
  user: UserInfo | undefined;
  /** The role of the schema's name, if the database has one. */
  role: RoleInfo | undefined;
  tablespace: TablespaceInfo | undefined;
}

export interface ProtectedNameRefusal {
  reason: 'OracleMaintainedSchema' | 'SchemaIsRole' | 'SchemaIsAdminAccount' | 'SystemTablespace';
  message: string;
}

/** True when prepare must not even try a login as this schema (Oracle's, a role, or the admin). */
export function schemaIsProtected(
  schema: string,
  user: UserInfo | undefined,
  role: RoleInfo | undefined,
  adminUser?: string,
) {
  return (
    isReservedSchemaName(schema) ||
    user?.oracleMaintained === true ||
    role !== undefined ||
    schema === adminUser
  );
}

export function protectedNameRefusals(
  inst: ProtectedNameObservation,
  db: { defaultTemporaryTablespace: string },
  /** The account prepare is connected as (upper case), when known. */
  adminUser?: string,
): ProtectedNameRefusal[] {
  const out: ProtectedNameRefusal[] = [];
  const chooseSchema = `set spec.institutions[].schema of institution ${inst.institutionId} to a schema of your own (e.g. EXL_ADMIN)`;
  const chooseTablespace = `set spec.institutions[].tablespace of institution ${inst.institutionId} to a tablespace of your own (e.g. USERS)`;

  if (inst.user?.oracleMaintained) {
    out.push({
      reason: 'OracleMaintainedSchema',
      message: `schema ${inst.schema} is an account that Oracle maintains (DBA_USERS.ORACLE_MAINTAINED = 'Y'); prepare never unlocks, re-passwords, grants to or drops such an account: ${chooseSchema}`,
    });
  } else if (isReservedSchemaName(inst.schema) && !inst.role) {
    out.push({
      reason: 'OracleMaintainedSchema',
      message: `schema ${inst.schema} is the name of an account or role that Oracle creates (${inst.user ? 'this database has it as an ordinary account' : 'this database has none by that name, but an Oracle component would need it'}); prepare does not use it: ${chooseSchema}`,
    });
  }
  if (adminUser !== undefined && inst.schema === adminUser) {
    out.push({
      reason: 'SchemaIsAdminAccount',
      message: `schema ${inst.schema} is the admin account prepare connects as (adminCredentialsSecret); importing into it would mix Alma's tables with your administration, and replacing it would drop the account in use: ${chooseSchema}`,
    });
  }
  if (inst.role) {
    out.push({
      reason: 'SchemaIsRole',
      message: `schema ${inst.schema} is the name of a${inst.role.oracleMaintained ? 'n Oracle-maintained' : ''} role in this database (DBA_ROLES); users and roles share one namespace (ORA-01920): ${chooseSchema}`,
    });
  }

  const ts = inst.tablespace;
  const name = inst.tablespaceName;
  if (ts && ts.contents !== DATA_TABLESPACE_CONTENTS) {
    out.push({
      reason: 'SystemTablespace',
      message: `tablespace ${name} is a ${ts.contents} tablespace (DBA_TABLESPACES.CONTENTS); the data can only go into a PERMANENT tablespace of its own: ${chooseTablespace}`,
    });
  } else if (name === db.defaultTemporaryTablespace) {
    out.push({
      reason: 'SystemTablespace',
      message: `tablespace ${name} is the database's default temporary tablespace: ${chooseTablespace}`,
    });
  } else if (SYSTEM_TABLESPACES.includes(name)) {
    out.push({
      reason: 'SystemTablespace',
      message: `tablespace ${name} is one of Oracle's system tablespaces (the data dictionary lives in SYSTEM and SYSAUX): ${chooseTablespace}`,
    });
  } else if (isReservedTablespaceName(name)) {
    out.push({
      reason: 'SystemTablespace',
      message: `tablespace ${name} is a name Oracle gives undo and temporary tablespaces (UNDOTBS1, UNDOTBS2, TEMP)${ts ? '' : '; prepare does not create a data tablespace by that name'}: ${chooseTablespace}`,
    });
  }
  return out;
}
