// Checks the delivered parfile against what was extracted: the DUMPFILE pattern must name exactly
// the dump files delivered (%U = 01, 02, ... with no gap), and LOGFILE, REMAP_SCHEMA and
// REMAP_TABLESPACE should be there and fit the institution. Pure: texts and names in, verdict out.
import { dumpfileSpecs, logfileSpec, parseParfile, remaps, resolveDumpfiles } from '../../oracle/parfile.js';
import { errorMessage } from '../../errors.js';
import { parfileViolations, type ParfileViolation } from '../../oracle/parfile-policy.js';

export interface ParfileSummary {
  path: string;
  dumpfile: string[];
  /** Dump files impdp will read, in order. */
  dumpFiles: string[];
  logfile?: string;
  remapSchema: string[];
  remapTablespace: string[];
  /** What the import step would refuse (the shared rule): fails the fetch with its reason. */
  violations: ParfileViolation[];
  /** Make the fetch fail (bad delivery). */
  errors: string[];
  /** Reported, the fetch still succeeds (with warnings). */
  warnings: string[];
}

export interface ParfileExpectations {
  customerId: string;
  institutionId: string;
  schema: string;
  tablespace: string;
}

const isDump = (name: string) => /\.dmp$/i.test(name);

export function checkParfile(
  text: string,
  parfilePath: string,
  extracted: string[],
  expect: ParfileExpectations,
): ParfileSummary {
  const summary: ParfileSummary = {
    path: parfilePath,
    dumpfile: [],
    dumpFiles: [],
    remapSchema: [],
    remapTablespace: [],
    violations: [],
    errors: [],
    warnings: [],
  };
  let parfile;
  try {
    parfile = parseParfile(text, parfilePath);
  } catch (err) {
    summary.errors.push(errorMessage(err));
    return summary;
  }
  summary.violations = parfileViolations(parfile);
  try {
    const specs = dumpfileSpecs(parfile);
    summary.dumpfile = specs.map((s) => (s.directory ? `${s.directory}:${s.name}` : s.name));
    if (specs.length === 0) summary.errors.push(`${parfilePath} has no DUMPFILE`);
    const dumps = extracted.filter(isDump);
    const r = resolveDumpfiles(parfile, dumps);
    summary.dumpFiles = r.files;
    if (r.missing.length > 0) {
      summary.errors.push(
        `${parfilePath} names dump file(s) that were not delivered: ${r.missing.join(', ')} ` +
          `(delivered: ${dumps.join(', ') || 'none'})`,
      );
    }
    if (r.unreachable.length > 0) {
      summary.errors.push(
        `dump file(s) ${r.unreachable.join(', ')} follow a gap in the numbering, so impdp would not read them: a dump file is missing`,
      );
    }
    const unused = dumps.filter((d) => !r.files.includes(d) && !r.unreachable.includes(d));
    if (unused.length > 0 && specs.length > 0) {
      summary.errors.push(
        `delivered dump file(s) ${unused.join(', ')} do not match DUMPFILE=${summary.dumpfile.join(',')}`,
      );
    }
  } catch (err) {
    summary.errors.push(errorMessage(err));
  }
  try {
    const log = logfileSpec(parfile);
    if (!log) summary.warnings.push(`${parfilePath} sets no LOGFILE`);
    else {
      summary.logfile = log.directory ? `${log.directory}:${log.name}` : log.name;
      const tag = `${expect.customerId}_${expect.institutionId}`;
      if (!log.name.includes(tag)) summary.warnings.push(`LOGFILE=${summary.logfile} does not name ${tag}`);
    }
    const m = remaps(parfile);
    summary.remapSchema = m.schemas.map((r) => `${r.from}:${r.to}`);
    summary.remapTablespace = m.tablespaces.map((r) => `${r.from}:${r.to}`);
    const schema = expect.schema.toUpperCase();
    const tbs = expect.tablespace.toUpperCase();
    if (m.schemas.length === 0) summary.warnings.push(`${parfilePath} sets no REMAP_SCHEMA`);
    else if (!m.schemas.some((r) => r.to === schema)) {
      summary.warnings.push(
        `REMAP_SCHEMA=${summary.remapSchema.join(',')} does not target this institution's schema ${schema}`,
      );
    }
    if (m.tablespaces.length === 0) summary.warnings.push(`${parfilePath} sets no REMAP_TABLESPACE`);
    else if (!m.tablespaces.some((r) => r.to === tbs)) {
      summary.warnings.push(
        `REMAP_TABLESPACE=${summary.remapTablespace.join(',')} does not target this institution's tablespace ${tbs}`,
      );
    }
  } catch (err) {
    summary.errors.push(errorMessage(err));
  }
  return summary;
}
