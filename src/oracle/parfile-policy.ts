// The one rule for what a delivered parfile may hold, used by both the fetch step (which fails a
// delivery before the database is prepared) and the import step (which builds the plan from it),
// so that the two can never disagree. Pure: a parsed parfile in, the violations out.
//
// Refused: parameters that make no sense for a restore or would take control away from the
// operator (by name), parameters this project does not handle, a value that spans lines (in a
// parameter file "a comma is implicit at every newline character" - Oracle Database Utilities,
// PARFILE - so a newline inside a quoted value would smuggle in separate parameters), quotes that
// would break the generated parfile's quoting, and remaps or schema lists that point at an
// account or tablespace Oracle maintains.
import type { Parfile } from './parfile.js';
import { identifier, remaps } from './parfile.js';
import { isReservedSchemaName, isReservedTablespaceName } from './oracle-maintained.js';

const isOracleMaintainedSchema = (n: string): boolean =>
  isReservedSchemaName(n.toUpperCase()) || /^APEX_\d+$/.test(n.toUpperCase());
const isSystemTablespace = (n: string): boolean =>
  isReservedTablespaceName(n.toUpperCase()) || /^(UNDO|TEMP)/.test(n.toUpperCase());

/** Rejected, with the reason shown to the user. */
export const FORBIDDEN_PARAMETERS: Record<string, string> = {
  ATTACH: 'the runner attaches to an existing job by itself (run again to resume, --fresh to start over)',
  NETWORK_LINK: 'a Local Backup is imported from dump files, not over a database link',
  SQLFILE: 'it writes DDL to a file instead of importing',
  USERID: 'credentials come from the admin credentials Secret, never from a parfile',
  PARFILE: 'a parfile cannot include another parfile',
  ENCRYPTION_PASSWORD:
    'a password in a delivered text file is not accepted (Local Backups are not encrypted)',
  ENCRYPTION_PWD_PROMPT: 'the import runs unattended',
  FLASHBACK_SCN: 'it applies only to imports over a database link',
  FLASHBACK_TIME: 'it applies only to imports over a database link',
  TRANSPORT_DATAFILES: 'a Local Backup is a conventional dump, not a transportable tablespace set',
  TRANSPORT_TABLESPACES: 'a Local Backup is a conventional dump, not a transportable tablespace set',
  TRANSPORT_FULL_CHECK: 'a Local Backup is a conventional dump, not a transportable tablespace set',
  TRANSPORTABLE: 'a Local Backup is a conventional dump, not a transportable tablespace set',
  NOLOGFILE: 'the log is how the outcome is judged',
  CONTENT: 'a restore needs both metadata and data (only CONTENT=ALL would make sense: drop the line)',
  HELP: 'it prints help instead of importing',
  ABORT_STEP: 'it is a debugging aid that stops the job on purpose',
  MASTER_ONLY: 'it is a debugging aid that imports nothing',
  KEEP_MASTER: 'the master table must be dropped on success so that the next run starts a fresh job',
  VERSION: 'it applies only to imports over a database link',
};

/** Set by the operator: the parfile's value is read (where it matters) and then replaced. */
export const MANAGED_PARAMETERS = new Set([
  'DIRECTORY',
  'DUMPFILE',
  'LOGFILE',
  'REMAP_SCHEMA',
  'REMAP_TABLESPACE',
  'PARALLEL',
  'TABLE_EXISTS_ACTION',
  'JOB_NAME',
  'METRICS',
  'LOGTIME',
  'STATUS',
  'FULL',
]);
/** Honoured as written. */
export const PASSED_PARAMETERS = new Set([
  'EXCLUDE',
  'INCLUDE',
  'SCHEMAS',
  'TRANSFORM',
  'SKIP_UNUSABLE_INDEXES',
  'PARTITION_OPTIONS',
]);

export type ParfileViolationReason =
  'ParfileForbiddenParameter' | 'ParfileUnsupportedParameter' | 'ParfileUnsafeValue' | 'ParfileSystemTarget';

export interface ParfileViolation {
  reason: ParfileViolationReason;
  message: string;
}

// Control characters (newline, carriage return, NUL, ...) end or corrupt a parfile line.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/** Every way `parfile` breaks the rule, in file order; empty when it may be imported. */
export function parfileViolations(parfile: Parfile): ParfileViolation[] {
  const out: ParfileViolation[] = [];
  for (const p of parfile.parameters) {
    const at = `${p.name} (line ${p.line})`;
    if (p.name in FORBIDDEN_PARAMETERS) {
      out.push({
        reason: 'ParfileForbiddenParameter',
        message: `${at} is not allowed: ${FORBIDDEN_PARAMETERS[p.name]}`,
      });
      continue;
    }
    if (!MANAGED_PARAMETERS.has(p.name) && !PASSED_PARAMETERS.has(p.name)) {
      out.push({
        reason: 'ParfileUnsupportedParameter',
        message: `${at} not supported by alma-restore import; remove it or open an issue (see docs/import.md for the supported list)`,
      });
      continue;
    }
    for (const v of p.values) {
      if (CONTROL.test(v)) {
        out.push({
          reason: 'ParfileUnsafeValue',
          message:
            `${at} has a value that spans lines or holds control characters (${JSON.stringify(v.slice(0, 60))}): ` +
            'in a parameter file a newline ends the value, so it would become separate parameters; write the value on one line',
        });
      }
    }
    if (p.name === 'EXCLUDE' || p.name === 'INCLUDE') {
      for (const v of p.values) {
        const colon = v.indexOf(':');
        let clause = colon < 0 ? '' : v.slice(colon + 1).trim();
        if (clause.startsWith('"') && clause.endsWith('"') && clause.length >= 2)
          clause = clause.slice(1, -1);
        if (clause.includes('"')) {
          out.push({
            reason: 'ParfileUnsafeValue',
            message: `${at}: the name clause ${JSON.stringify(clause.slice(0, 60))} holds a double quote inside the quoted clause; write names in single quotes (EXCLUDE=TABLE:"IN ('A','B')")`,
          });
        }
      }
    }
    if (p.name === 'SCHEMAS') {
      for (const v of p.values) {
        const name = identifier(v);
        if (isOracleMaintainedSchema(name)) {
          out.push({
            reason: 'ParfileSystemTarget',
            message: `${at} names ${name}, an account Oracle maintains: a Local Backup never imports into it`,
          });
        }
      }
    }
  }
  // Each remap with its own line, so the message names the line to fix.
  for (const p of parfile.parameters) {
    if (p.name !== 'REMAP_SCHEMA' && p.name !== 'REMAP_TABLESPACE') continue;
    let m: ReturnType<typeof remaps>;
    try {
      m = remaps({ parameters: [p] });
    } catch {
      continue; // Malformed remaps are reported by the callers' own checks (with the line).
    }
    for (const r of m.schemas) {
      if (isOracleMaintainedSchema(r.to)) {
        out.push({
          reason: 'ParfileSystemTarget',
          message: `REMAP_SCHEMA=${r.from}:${r.to} (line ${p.line}) targets ${r.to}, an account Oracle maintains: refused (a Local Backup goes into its institution's own schema)`,
        });
      }
    }
    for (const r of m.tablespaces) {
      if (isSystemTablespace(r.to)) {
        out.push({
          reason: 'ParfileSystemTarget',
          message: `REMAP_TABLESPACE=${r.from}:${r.to} (line ${p.line}) targets ${r.to}, a system, undo or temporary tablespace: refused (a Local Backup goes into its institution's own tablespace)`,
        });
      }
    }
  }
  return out;
}
