// The import plan: a pure function of (delivered parfile, StepConfig, institution, files present)
// that says exactly what Data Pump will be asked to do. Both engines render the same plan
// (the datapump-api engine as DBMS_DATAPUMP calls, the impdp engine as a generated parfile), and
// the runner prints and records it before anything runs.
//
// Parameter policy (docs/import.md): the parfile's remaps and extra filters are honoured; the
// operator owns where files are, the job name, parallelism and the table-exists action; a few
// parameters make no sense for a restore and are rejected by name; anything unknown is rejected
// too, because a silently ignored parameter is worse than a clear refusal.
import path from 'node:path';
import type { InstitutionConfig, StepConfig } from '../../contract/step-config.js';
import { institutionLayout } from '../../contract/step-config.js';
import type { Parfile, Remap } from '../../oracle/parfile.js';
import type { ImportPlan, ObjectFilter, Transform } from '../../oracle/import-plan.js';
import { FORBIDDEN_PARAMETERS, parfileViolations } from '../../oracle/parfile-policy.js';
import {
  ParfileError,
  identifier,
  parameterOccurrences,
  parameterValues,
  parseFileSpec,
  remaps as parfileRemaps,
  resolveDumpfiles,
  singleValue,
} from '../../oracle/parfile.js';

export const MAX_PARALLEL = 64;
/** The source schema and tablespace of every Alma Local Backup. */
export const ALMA_SOURCE_SCHEMA = 'EXL_ADMIN';
export const ALMA_SOURCE_TABLESPACE = 'USERS';

/** The shared rule (parfile-policy.ts): fetch refuses the same deliveries. */
export { FORBIDDEN_PARAMETERS };

export interface PlanInput {
  parfile: Parfile;
  config: StepConfig;
  institution: InstitutionConfig;
  /** Names of the files in the institution's folder (the step pod's view of the directory object). */
  availableFiles: string[];
}

const yesNo = (name: string, v: string): boolean => {
  const u = v.toUpperCase();
  if (u === 'Y' || u === 'YES') return true;
  if (u === 'N' || u === 'NO') return false;
  throw new ParfileError(`${name}=${v}: expected Y or N`);
};

function parseFilter(kind: 'include' | 'exclude', item: string): ObjectFilter {
  const colon = item.indexOf(':');
  if (colon < 0) return { kind, objectType: item.trim().toUpperCase() };
  const objectType = item.slice(0, colon).trim().toUpperCase();
  let clause = item.slice(colon + 1).trim();
  if (clause.startsWith('"') && clause.endsWith('"') && clause.length >= 2) clause = clause.slice(1, -1);
  if (objectType === '' || clause === '')
    throw new ParfileError(`${kind.toUpperCase()}=${item} is incomplete`);
  return { kind, objectType, nameClause: clause };
}

function parseTransform(item: string): Transform {
  const parts = item.split(':');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p.trim() === '')) {
    throw new ParfileError(`TRANSFORM=${item} is not of the form name:value[:object_type]`);
  }
  const [name, raw, objectType] = parts.map((p) => p.trim()) as [string, string, string | undefined];
  const upper = raw.toUpperCase();
  const value = upper === 'Y' ? 1 : upper === 'N' ? 0 : /^\d+$/.test(raw) ? Number(raw) : raw;
  return { name: name.toUpperCase(), value, ...(objectType ? { objectType: objectType.toUpperCase() } : {}) };
}

/** Points the one remap from `source` at `target`; adds it if absent. */
function retarget(list: Remap[], source: string, target: string, what: string, notes: string[]): Remap[] {
  if (list.length === 0) {
    notes.push(`${what}=${source}:${target} added (the parfile has none)`);
    return [{ from: source, to: target }];
  }
  const i = list.length === 1 ? 0 : list.findIndex((r) => r.from === source);
  if (i < 0) {
    throw new ParfileError(
      `the parfile has ${list.length} ${what} entries and none from ${source}; cannot tell which one targets ${target}`,
    );
  }
  const current = list[i]!;
  if (current.to !== target)
    notes.push(`${what}=${current.from}:${current.to} retargeted to ${current.from}:${target}`);
  return list.map((r, j) => (j === i ? { from: r.from, to: target } : r));
}

/** Builds the plan. Throws ParfileError (reason ParfileInvalid) naming what is wrong. */
export function buildImportPlan(input: PlanInput): ImportPlan {
  const { parfile, config, institution } = input;
  const layout = institutionLayout(config, institution);
  const notes: string[] = [];

  const violations = parfileViolations(parfile);
  if (violations.length > 0) {
    // Import keeps its documented reason (ParfileInvalid, exit 2); fetch reports the specific one.
    throw new ParfileError(`${layout.parfilePath}: ${violations.map((v) => v.message).join('; ')}`);
  }

  // Where: always the institution's own directory object.
  const directory = layout.directoryObject;
  const dirParam = singleValue(parfile, 'DIRECTORY');
  if (dirParam !== undefined && identifier(dirParam) !== directory) {
    notes.push(`DIRECTORY=${dirParam} replaced by ${directory} (this institution's directory object)`);
  }
  const dumpItems = parameterValues(parfile, 'DUMPFILE');
  if (dumpItems.length === 0) throw new ParfileError(`${layout.parfilePath}: no DUMPFILE parameter`);
  for (const item of dumpItems) {
    const spec = parseFileSpec(item);
    if (spec.directory !== undefined && spec.directory !== directory) {
      notes.push(`DUMPFILE directory ${spec.directory} of ${spec.name} replaced by ${directory}`);
    }
  }
  const resolved = resolveDumpfiles(parfile, input.availableFiles);
  if (resolved.missing.length > 0) {
    throw new ParfileError(
      `dump file(s) ${resolved.missing.join(', ')} named by ${layout.parfilePath} are not in ${layout.localDir}; ` +
        'run (or finish) the fetch step first',
    );
  }
  if (resolved.unreachable.length > 0) {
    throw new ParfileError(
      `dump files ${resolved.unreachable.join(', ')} in ${layout.localDir} follow a gap in the numbering, ` +
        'so Data Pump would never read them: the delivery is incomplete, fetch it again',
    );
  }
  const logSpec = parameterOccurrences(parfile, 'LOGFILE').length
    ? singleValue(parfile, 'LOGFILE')
    : undefined;
  const logfile = logSpec
    ? parseFileSpec(logSpec).name
    : `import_${config.customerId}_${institution.institutionId}.log`;
  if (logfile.includes('/'))
    throw new ParfileError(`LOGFILE=${logSpec}: a file name, not a path, is expected`);
  if (!logSpec) notes.push(`LOGFILE=${logfile} chosen (the parfile has none)`);

  // Who: remaps retargeted at this institution's schema and tablespace.
  const r = parfileRemaps(parfile);
  const remapSchemas = retarget(
    r.schemas,
    ALMA_SOURCE_SCHEMA,
    institution.schema.toUpperCase(),
    'REMAP_SCHEMA',
    notes,
  );
  const remapTablespaces = retarget(
    r.tablespaces,
    ALMA_SOURCE_TABLESPACE,
    institution.tablespace.toUpperCase(),
    'REMAP_TABLESPACE',
    notes,
  );

  // How: operator-owned settings.
  const requested = config.import.parallelism;
  let parallel: number;
  if (requested === 'auto') {
    parallel = Math.min(MAX_PARALLEL, Math.max(1, resolved.files.length));
  } else {
    if (!Number.isInteger(requested) || requested < 1 || requested > MAX_PARALLEL) {
      throw new ParfileError(`import.parallelism must be "auto" or 1..${MAX_PARALLEL}, got ${requested}`);
    }
    parallel = requested;
  }
  const parfileParallel = singleValue(parfile, 'PARALLEL');
  if (parfileParallel !== undefined && Number(parfileParallel) !== parallel) {
    notes.push(`PARALLEL=${parfileParallel} replaced by ${parallel} (import.parallelism ${requested})`);
  }
  const tea = singleValue(parfile, 'TABLE_EXISTS_ACTION');
  if (tea !== undefined && tea.toUpperCase() !== config.import.tableExistsAction) {
    notes.push(
      `TABLE_EXISTS_ACTION=${tea} replaced by ${config.import.tableExistsAction} (import.tableExistsAction)`,
    );
  }
  const jobParam = singleValue(parfile, 'JOB_NAME');
  if (jobParam !== undefined && identifier(jobParam) !== layout.dataPumpJobName) {
    notes.push(
      `JOB_NAME=${jobParam} replaced by ${layout.dataPumpJobName} (deterministic per restore, for resume)`,
    );
  }
  const full = singleValue(parfile, 'FULL');
  if (full !== undefined && !yesNo('FULL', full))
    throw new ParfileError('FULL=N: leave FULL out or set SCHEMAS');
  for (const name of ['STATUS', 'METRICS', 'LOGTIME']) {
    if (parameterOccurrences(parfile, name).length)
      notes.push(`${name} from the parfile ignored (the runner sets it)`);
  }

  // What: the parfile's filters, plus the bulk-load speed-ups.
  const filters = [
    ...parameterValues(parfile, 'INCLUDE').map((v) => parseFilter('include', v)),
    ...parameterValues(parfile, 'EXCLUDE').map((v) => parseFilter('exclude', v)),
  ];
  const hasInclude = filters.some((f) => f.kind === 'include');
  if (hasInclude && filters.some((f) => f.kind === 'exclude')) {
    // Oracle 19c refuses the pair (impdp: UDI-00011; allowed only from 21c): say so before anything runs.
    throw new ParfileError(
      `${layout.parfilePath}: INCLUDE and EXCLUDE cannot be combined in one Oracle 19c import ` +
        '(Data Pump allows both only from 21c); keep one of them',
    );
  }
  if (hasInclude) {
    notes.push('EXCLUDE=STATISTICS not added: the parfile uses INCLUDE (19c does not combine them)');
  } else if (!filters.some((f) => f.objectType === 'STATISTICS' && !f.nameClause)) {
    filters.push({ kind: 'exclude', objectType: 'STATISTICS' });
    notes.push('EXCLUDE=STATISTICS added: statistics are gathered after the import (verify step)');
  }
  const transforms = parameterValues(parfile, 'TRANSFORM').map(parseTransform);
  if (!transforms.some((t) => t.name === 'DISABLE_ARCHIVE_LOGGING')) {
    transforms.push({ name: 'DISABLE_ARCHIVE_LOGGING', value: 1 });
    notes.push(
      'TRANSFORM=DISABLE_ARCHIVE_LOGGING:Y added (no effect if the database is in FORCE LOGGING mode)',
    );
  }
  const schemas = parameterValues(parfile, 'SCHEMAS').map(identifier);
  const sui = singleValue(parfile, 'SKIP_UNUSABLE_INDEXES');
  const po = singleValue(parfile, 'PARTITION_OPTIONS')?.toUpperCase();
  if (po !== undefined && po !== 'NONE' && po !== 'DEPARTITION' && po !== 'MERGE') {
    throw new ParfileError(`PARTITION_OPTIONS=${po}: expected NONE, DEPARTITION or MERGE`);
  }

  return {
    institutionId: institution.institutionId,
    schema: institution.schema.toUpperCase(),
    tablespace: institution.tablespace.toUpperCase(),
    parfilePath: layout.parfilePath,
    jobName: layout.dataPumpJobName,
    jobMode: schemas.length > 0 ? 'SCHEMA' : 'FULL',
    directory,
    dumpfiles: resolved.files,
    logfile,
    logfileLocalPath: path.posix.join(layout.localDir, logfile),
    remapSchemas,
    remapTablespaces,
    parallel,
    tableExistsAction: config.import.tableExistsAction,
    schemas,
    filters,
    transforms,
    ...(sui !== undefined ? { skipUnusableIndexes: yesNo('SKIP_UNUSABLE_INDEXES', sui) } : {}),
    ...(po !== undefined ? { partitionOptions: po as 'NONE' | 'DEPARTITION' | 'MERGE' } : {}),
    metrics: true,
    logtime: 'ALL',
    notes,
  };
}
