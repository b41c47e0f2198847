// Carries out prepare's planned actions, one statement each, and says what each one was in the
// words a DBA would use (the SQL, with the password masked).
import type { DictionaryActions } from '../../oracle/dictionary.js';
import * as q from '../../oracle/sql/dictionary.js';
import type { PrepareAction } from './plan.js';

/** The statement an action runs, safe to log and report. */
export function describeAction(a: PrepareAction): string {
  switch (a.kind) {
    case 'createTablespace':
      return q.createTablespaceSql(a.tablespace, a.files, a.type);
    case 'addDatafile':
      return q.addDatafileSql(a.tablespace, a.file);
    case 'setTablespaceMaxSize':
      return q.bigfileMaxSizeSql(a.tablespace, a.maxBytes, a.nextBytes);
    case 'dropUser':
      return q.dropUserSql(a.user);
    case 'createUser':
      return q.createUserSql(a.user, 'x', a.defaultTablespace, a.temporaryTablespace).display;
    case 'setPassword':
      return q.setPasswordSql(a.user, 'x').display;
    case 'unlockUser':
      return q.unlockUserSql(a.user);
    case 'setDefaultTablespace':
      return q.defaultTablespaceSql(a.user, a.tablespace);
    case 'grantRoles':
      return q.grantRolesSql(a.user, a.roles);
    case 'setDefaultRoleAll':
      return q.defaultRoleAllSql(a.user);
    case 'setUnlimitedQuota':
      return q.unlimitedQuotaSql(a.user, a.tablespace);
    case 'createDirectory':
      return q.createDirectorySql(a.name, a.path);
    case 'grantDirectory':
      return q.grantDirectorySql(a.name, a.user, a.privileges);
    case 'addRedoLogGroup':
      return q.addRedoLogGroupSql(a.group, a.members, a.bytes);
  }
}

export interface ActionTargets {
  /** Where database-local DDL runs (the PDB). */
  pdb: DictionaryActions;
  /** Where CDB-wide DDL runs (redo logs): CDB$ROOT when configured, else the PDB. */
  root: DictionaryActions;
}

export async function applyAction(t: ActionTargets, a: PrepareAction, schemaPassword: string): Promise<void> {
  const d = t.pdb;
  switch (a.kind) {
    case 'createTablespace':
      return d.createTablespace(a.tablespace, a.files, a.type);
    case 'addDatafile':
      return d.addDatafile(a.tablespace, a.file);
    case 'setTablespaceMaxSize':
      return d.setTablespaceMaxSize(a.tablespace, a.maxBytes, a.nextBytes);
    case 'dropUser':
      return d.dropUserCascade(a.user);
    case 'createUser':
      return d.createUser({
        username: a.user,
        password: schemaPassword,
        defaultTablespace: a.defaultTablespace,
        temporaryTablespace: a.temporaryTablespace,
      });
    case 'setPassword':
      return d.setPassword(a.user, schemaPassword);
    case 'unlockUser':
      return d.unlockUser(a.user);
    case 'setDefaultTablespace':
      return d.setDefaultTablespace(a.user, a.tablespace);
    case 'grantRoles':
      return d.grantRoles(a.user, a.roles);
    case 'setDefaultRoleAll':
      return d.setDefaultRoleAll(a.user);
    case 'setUnlimitedQuota':
      return d.setUnlimitedQuota(a.user, a.tablespace);
    case 'createDirectory':
      return d.createDirectory(a.name, a.path);
    case 'grantDirectory':
      return d.grantDirectory(a.name, a.user, a.privileges);
    case 'addRedoLogGroup':
      return t.root.addRedoLogGroup(a.group, a.members, a.bytes);
  }
}
