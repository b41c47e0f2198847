// What Data Pump is asked to do for one institution: the plan the import step builds
// (steps/import/plan.ts, from the delivered parfile and the StepConfig) and both engines run (the
// datapump-api engine as DBMS_DATAPUMP calls, the impdp engine as the parameter file rendered
// here). It lives in the Oracle layer because the engines consume it; the step only fills it in.
import type { StepConfig } from '../contract/step-config.js';
import { UserFacingError } from '../errors.js';
import type { Remap } from './parfile.js';

export interface ObjectFilter {
  kind: 'include' | 'exclude';
  /** Object type or path, e.g. STATISTICS, TABLE, SCHEMA_EXPORT/TABLE/GRANT. */
  objectType: string;
  /** The name clause as written, e.g. `IN ('A','B')`, without the surrounding double quotes. */
  nameClause?: string;
}

export interface Transform {
  name: string;
  /** Y/N become 1/0, digits a number; anything else stays text. */
  value: string | number;
  objectType?: string;
}

export interface ImportPlan {
  institutionId: string;
  /** Target schema and tablespace (after remap). */
  schema: string;
  tablespace: string;
  /** Where the delivered parfile was read. */
  parfilePath: string;
  jobName: string;
  jobMode: 'FULL' | 'SCHEMA';
  /** Oracle directory object holding the dump files and the log. */
  directory: string;
  /** Dump file names (templates resolved against the files present), in order. */
  dumpfiles: string[];
  logfile: string;
  /** The log as the step pod sees it (the same staging volume the database writes to). */
  logfileLocalPath: string;
  remapSchemas: Remap[];
  remapTablespaces: Remap[];
  parallel: number;
  tableExistsAction: StepConfig['import']['tableExistsAction'];
  schemas: string[];
  filters: ObjectFilter[];
  transforms: Transform[];
  skipUnusableIndexes?: boolean;
  partitionOptions?: 'NONE' | 'DEPARTITION' | 'MERGE';
  metrics: true;
  logtime: 'ALL';
  /** Every decision that overrode or completed the parfile, for the printed plan. */
  notes: string[];
}

// Generated parfile syntax (Oracle Database Utilities, "Parameter Files" and "Case Sensitivity
// When Specifying Parameter Values"): `#` starts a comment to the end of the line, a newline ends
// a value, and a name keeps its exact spelling only inside double quotes. So a name that is not a
// plain upper-case identifier is written in double quotes (EXL#2 -> "EXL#2"), and anything that
// cannot be written safely at all (a double quote, a control character, an odd file name) is
// refused with a reason instead of producing a parfile that means something else.
// eslint-disable-next-line no-control-regex
const UNWRITABLE = /["\u0000-\u001f\u007f]/;

function unsafe(what: string, value: string): UserFacingError {
  return new UserFacingError(
    `${what} ${JSON.stringify(value)} cannot be written into an impdp parameter file (it holds a double quote or a control character)`,
    'ParfileUnsafeValue',
  );
}

/** An Oracle name as a parfile value: plain, or double-quoted when it needs to be. */
export function parfileName(name: string): string {
  if (UNWRITABLE.test(name) || name === '') throw unsafe('the name', name);
  return /^[A-Z][A-Z0-9_$]*$/.test(name) ? name : `"${name}"`;
}

/** A file name as a parfile value: only characters that need no quoting at all. */
function parfileFile(name: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) {
    throw new UserFacingError(
      `the file name ${JSON.stringify(name)} holds characters impdp would read differently (only letters, digits, '_', '-' and '.' are written)`,
      'ParfileUnsafeValue',
    );
  }
  return name;
}

function parfileToken(what: string, value: string, pattern: RegExp): string {
  if (!pattern.test(value)) throw unsafe(what, value);
  return value;
}

/** The plan as impdp parameter lines: what the impdp engine writes and what a DBA would type. */
export function planAsParfileLines(plan: ImportPlan): string[] {
  const q = parfileName;
  const lines = [
    `DIRECTORY=${q(plan.directory)}`,
    `DUMPFILE=${plan.dumpfiles.map(parfileFile).join(',')}`,
    `LOGFILE=${parfileFile(plan.logfile)}`,
    `JOB_NAME=${q(plan.jobName)}`,
    ...(plan.jobMode === 'FULL' ? ['FULL=Y'] : [`SCHEMAS=${plan.schemas.map(q).join(',')}`]),
    ...plan.remapSchemas.map((r) => `REMAP_SCHEMA=${q(r.from)}:${q(r.to)}`),
    ...plan.remapTablespaces.map((r) => `REMAP_TABLESPACE=${q(r.from)}:${q(r.to)}`),
    `PARALLEL=${plan.parallel}`,
    `TABLE_EXISTS_ACTION=${plan.tableExistsAction}`,
    ...plan.filters.map((f) => {
      const type = parfileToken('the object type', f.objectType, /^[A-Z0-9_/ ]+$/);
      if (f.nameClause === undefined) return `${f.kind.toUpperCase()}=${type}`;
      if (UNWRITABLE.test(f.nameClause)) throw unsafe('the name clause', f.nameClause);
      return `${f.kind.toUpperCase()}=${type}:"${f.nameClause}"`;
    }),
    ...plan.transforms.map((t) => {
      const v =
        t.name === 'DISABLE_ARCHIVE_LOGGING' || t.value === 1 || t.value === 0
          ? t.value
            ? 'Y'
            : 'N'
          : parfileToken('the transform value', String(t.value), /^[A-Za-z0-9_]+$/);
      const name = parfileToken('the transform', t.name, /^[A-Z0-9_]+$/);
      const type = t.objectType ? `:${parfileToken('the object type', t.objectType, /^[A-Z0-9_]+$/)}` : '';
      return `TRANSFORM=${name}:${v}${type}`;
    }),
    ...(plan.skipUnusableIndexes !== undefined
      ? [`SKIP_UNUSABLE_INDEXES=${plan.skipUnusableIndexes ? 'Y' : 'N'}`]
      : []),
    ...(plan.partitionOptions ? [`PARTITION_OPTIONS=${plan.partitionOptions}`] : []),
    'METRICS=YES',
    'LOGTIME=ALL',
  ];
  return lines;
}
