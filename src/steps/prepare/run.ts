// The prepare step: observe the database, plan (pure), refuse before touching anything when a
// refusal applies, else take the planned actions one by one, recording each check and action.
// Idempotent: a second run observes a prepared database and plans nothing.
import path from 'node:path';
import type { Logger } from 'pino';
import { errorMessage, UserFacingError } from '../../errors.js';
import type { DictionarySession } from '../../oracle/dictionary.js';
import { formatBytes } from '../../oracle/dictionary-sizing.js';
import { ident, passwordLiteral } from '../../oracle/sql/dictionary.js';
import { scrub } from '../../oracle/connection.js';
import { institutionLayout, readSecretFile, type StepConfig } from '../../contract/step-config.js';
import type { StepResult } from '../../contract/result.js';
import { progressFields } from '../../contract/progress-record.js';
import { applyAction, describeAction } from './apply.js';
import {
  planPrepare,
  plannedActions,
  requiredTablespaceBytes,
  type InstitutionObservation,
  type Observation,
  type PrepareCheck,
} from './plan.js';
import { schemaIsProtected } from './protected-names.js';

export interface PrepareDeps {
  /** The admin session on the PDB service. */
  openPdb: () => Promise<DictionarySession>;
  /** The admin session on CDB$ROOT, when database.rootConnectString is set. */
  openRoot?: () => Promise<DictionarySession>;
  readSecret?: (file: string) => Promise<string>;
  logger: Logger;
}

export interface PrepareReport {
  checks: (Omit<PrepareCheck, 'actions'> & { statements: string[] })[];
  actionsTaken: string[];
  refusals: { reason: string; message: string }[];
}

function upperName(kind: string, value: string): string {
  const name = value.trim().toUpperCase();
  try {
    ident(name);
  } catch (err) {
    throw new UserFacingError(`${kind} ${errorMessage(err)}`, 'ConfigInvalid');
  }
  return name;
}

async function readSchemaPassword(config: StepConfig, read: (f: string) => Promise<string>): Promise<string> {
  const file = config.database.schemaPasswordFile;
  let pw: string;
  try {
    pw = await read(file);
  } catch (err) {
    throw new UserFacingError(
      `cannot read the schema password from ${file}: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}; mount the schema password Secret there`,
      'SchemaPasswordMissing',
    );
  }
  try {
    passwordLiteral(pw);
  } catch (err) {
    throw new UserFacingError(
      `the schema password in ${file} is not usable: ${errorMessage(err)}`,
      'SchemaPasswordInvalid',
    );
  }
  return pw;
}

/** The admin account's name (Oracle upper-cases an unquoted user name); undefined when unreadable. */
async function readAdminUser(
  config: StepConfig,
  read: (f: string) => Promise<string>,
): Promise<string | undefined> {
  try {
    const name = (await read(path.join(config.database.credentialsDir, 'username'))).trim().toUpperCase();
    return name === '' ? undefined : name;
  } catch {
    return undefined; // the connection reports a missing Secret itself
  }
}

export async function observe(
  config: StepConfig,
  pdb: DictionarySession,
  root: DictionarySession | undefined,
  schemaPassword: string,
  adminUser?: string,
): Promise<Observation> {
  const database = await pdb.databaseInfo();
  const redoSource = root ?? pdb;
  const redoInfo = root ? await root.databaseInfo() : database;
  const institutions: InstitutionObservation[] = [];
  for (const inst of config.institutions) {
    const schema = upperName('schema', inst.schema);
    const tablespaceName = upperName('tablespace', inst.tablespace);
    const layout = institutionLayout(config, inst);
    const user = await pdb.user(schema);
    const role = await pdb.role(schema);
    // One login attempt, only when the answer matters (an open account of ours that is kept):
    // never as an account of Oracle's, whose failed logins could lock it.
    const kept =
      user &&
      !schemaIsProtected(schema, user, role, adminUser) &&
      (user.objectCount === 0 || !config.database.replaceExistingSchema);
    const passwordWorks =
      kept && user.accountStatus === 'OPEN' ? await pdb.canLogin(schema, schemaPassword) : undefined;
    institutions.push({
      institutionId: inst.institutionId,
      schema,
      tablespaceName,
      plannedBytes: inst.tablespaceBytes,
      bibRecords: inst.bibRecords,
      tablespace: await pdb.tablespace(tablespaceName),
      user,
      role,
      passwordWorks,
      directoryName: upperName('directory', layout.directoryObject),
      directoryPath: layout.databaseDir,
      directory: await pdb.directory(layout.directoryObject),
    });
  }
  return {
    database,
    ...(adminUser !== undefined ? { adminUser } : {}),
    ...(root ? { rootDatabase: redoInfo } : {}),
    redoLogs: await redoSource.redoLogs(),
    redoFromPdb: redoInfo.isPdb,
    allDatafiles: await pdb.allDatafiles(),
    institutions,
  };
}

export async function runPrepare(
  config: StepConfig,
  deps: PrepareDeps,
): Promise<{ result: StepResult; report: PrepareReport }> {
  const log = deps.logger;
  const schemaPassword = await readSchemaPassword(config, deps.readSecret ?? readSecretFile);
  const adminUser = await readAdminUser(config, deps.readSecret ?? readSecretFile);
  const pdb = await deps.openPdb();
  let root: DictionarySession | undefined;
  try {
    root = deps.openRoot ? await deps.openRoot() : undefined;
    const obs = await observe(config, pdb, root, schemaPassword, adminUser);
    const plan = planPrepare(obs, {
      managed: config.database.managed,
      allowRedoLogChanges: config.database.allowRedoLogChanges,
      replaceExistingSchema: config.database.replaceExistingSchema,
    });
    for (const c of plan.checks) {
      log.info(
        { scope: c.scope, check: c.name, passed: c.passed, observed: c.observed, expected: c.expected },
        'check',
      );
    }
    const report: PrepareReport = {
      checks: plan.checks.map(({ actions, ...c }) => ({ ...c, statements: actions.map(describeAction) })),
      actionsTaken: [],
      refusals: plan.refusals,
    };
    const summary = (extra: Record<string, unknown>) => ({
      version: obs.database.version,
      edition: obs.database.edition,
      characterSet: obs.database.characterSet,
      nationalCharacterSet: obs.database.nationalCharacterSet,
      actionsTaken: report.actionsTaken.length,
      institutions: obs.institutions.map((i) => ({
        institutionId: i.institutionId,
        schema: i.schema,
        tablespace: i.tablespaceName,
        tablespaceBytes: requiredTablespaceBytes(i.plannedBytes, i.bibRecords),
        directoryObject: i.directoryName,
      })),
      ...extra,
    });
    const failed = (
      reason: string,
      message: string,
      extra: Record<string, unknown>,
    ): { result: StepResult; report: PrepareReport } => ({
      report,
      result: {
        version: 1,
        step: 'prepare',
        outcome: 'Failed',
        reason,
        message,
        summary: summary(extra),
      },
    });

    if (plan.refusals.length > 0) {
      for (const r of plan.refusals) log.error({ reason: r.reason }, r.message);
      return failed(
        plan.refusals[0]!.reason,
        `prepare refused and changed nothing: ${plan.refusals.map((r) => r.message).join('; ')}`,
        { refusals: plan.refusals.map((r) => r.reason) },
      );
    }

    const targets = { pdb, root: root ?? pdb };
    const planned = plan.checks.reduce((n, c) => n + c.actions.length, 0);
    const applied = (next?: string) => {
      const done = report.actionsTaken.length;
      log.info(
        progressFields({
          stage: 'Applying',
          message: `${done} of ${planned} action(s) done${next ? `; now: ${next}` : ''}`,
          fraction: planned > 0 ? done / planned : 1,
          done,
          total: planned,
          unit: 'actions',
        }),
        'progress',
      );
    };
    for (const [ci, c] of plan.checks.entries()) {
      const taken: string[] = [];
      for (const a of c.actions) {
        const statement = describeAction(a);
        applied(statement);
        log.info({ scope: c.scope, check: c.name, statement }, 'action');
        try {
          await applyAction(targets, a, schemaPassword);
        } catch (err) {
          const why = scrub(errorMessage(err), schemaPassword);
          report.checks[ci]!.action = [...taken, `FAILED: ${statement}: ${why}`].join('; ');
          log.error({ scope: c.scope, check: c.name, statement, error: why }, 'action failed');
          return failed(
            'PrepareActionFailed',
            `${c.scope === 'database' ? '' : `institution ${c.scope}: `}${statement} failed: ${why}. ` +
              `${report.actionsTaken.length} earlier action(s) were applied; running prepare again continues from here`,
            { failedCheck: `${c.scope}/${c.name}` },
          );
        }
        taken.push(statement);
        report.actionsTaken.push(statement);
      }
      if (taken.length > 0) {
        report.checks[ci]!.action = taken.join('; ');
        report.checks[ci]!.passed = true;
      }
    }
    applied();

    const n = report.actionsTaken.length;
    const grown = plannedActions(plan).filter(
      (a) => a.kind === 'addDatafile' || a.kind === 'createTablespace',
    );
    return {
      report,
      result: {
        version: 1,
        step: 'prepare',
        outcome: 'Succeeded',
        reason: n === 0 ? 'AlreadyPrepared' : 'DatabasePrepared',
        message:
          n === 0
            ? `the database was already prepared for ${config.institutions.length} institution(s): nothing changed`
            : `prepared the database for ${config.institutions.length} institution(s): ${n} action(s) taken` +
              (grown.length
                ? ` (tablespaces sized to ${obs.institutions.map((i) => formatBytes(requiredTablespaceBytes(i.plannedBytes, i.bibRecords))).join(', ')})`
                : ''),
        summary: summary({}),
      },
    };
  } finally {
    await root?.close();
    await pdb.close();
  }
}
