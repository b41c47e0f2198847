// The delivered Data Pump parameter file (`final_script_par.<Cust>_<Inst>`), parsed the way impdp
// reads a PARFILE, plus the helpers every step needs about it: which dump files it names (with
// %U / %L substitution), where the log goes, and which schemas and tablespaces it remaps.
// Pure: no I/O here; callers read the file and pass its text.
//
// Syntax accepted (impdp's parfile rules):
//   - NAME=value, names case-insensitive (returned upper-cased), whitespace allowed around `=`;
//     several parameters may share a line;
//   - `#` starts a comment to the end of the line, except inside quotes;
//   - a value is a comma-separated list; the list continues on the next line when a line ends
//     with a comma or the next line starts with one;
//   - single or double quotes protect spaces, commas and `#` (EXCLUDE=TABLE:"IN ('A','B')") and
//     may span lines; a value item wholly wrapped in one pair of quotes is unquoted, embedded
//     quotes are kept as written (they are part of Data Pump's filter syntax);
//   - a byte-order mark and non-breaking spaces (copy-pasted from the vendor's PDF) count as
//     whitespace.
import { UserFacingError } from '../errors.js';

export interface ParfileParameter {
  /** Upper-cased parameter name. */
  name: string;
  /** Value items in order; wholly-quoted items are unquoted. */
  values: string[];
  /** 1-based line on which the parameter name appears. */
  line: number;
}

export interface Parfile {
  parameters: ParfileParameter[];
}

export class ParfileError extends UserFacingError {
  constructor(message: string) {
    super(message, 'ParfileInvalid');
    this.name = 'ParfileError';
  }
}

const isSpace = (c: string): boolean => /[\s\u00a0\ufeff]/.test(c);
const isNameStart = (c: string): boolean => /[A-Za-z_]/.test(c);
const isNameChar = (c: string): boolean => /[A-Za-z0-9_$#]/.test(c);

/** Parses parfile text. `source` names the file in error messages. Throws ParfileError. */
export function parseParfile(text: string, source = 'parfile'): Parfile {
  let pos = 0;
  let line = 1;
  const parameters: ParfileParameter[] = [];
  const fail = (msg: string, at = line): never => {
    throw new ParfileError(`${source} line ${at}: ${msg}`);
  };
  const advance = (): string => {
    const c = text[pos++] ?? '';
    if (c === '\n') line++;
    return c;
  };
  const skipBlank = (): void => {
    while (pos < text.length) {
      const c = text[pos] ?? '';
      if (c === '#') {
        while (pos < text.length && text[pos] !== '\n') pos++;
      } else if (isSpace(c)) {
        advance();
      } else {
        return;
      }
    }
  };
  // Skips spaces and tabs on the current line only (around `=`).
  const skipInline = (): void => {
    while (pos < text.length && text[pos] !== '\n' && isSpace(text[pos] ?? '')) pos++;
  };
  const readItem = (): string => {
    const startLine = line;
    let out = '';
    while (pos < text.length) {
      const c = text[pos] ?? '';
      if (c === '"' || c === "'") {
        const quoteLine = line;
        out += advance();
        while (pos < text.length && text[pos] !== c) out += advance();
        if (pos >= text.length) fail(`unterminated ${c === '"' ? 'double' : 'single'} quote`, quoteLine);
        out += advance();
      } else if (isSpace(c) || c === ',' || c === '#') {
        break;
      } else {
        out += advance();
      }
    }
    if (out === '') fail('empty value in a list', startLine);
    return unquote(out);
  };

  skipBlank();
  while (pos < text.length) {
    const nameLine = line;
    if (!isNameStart(text[pos] ?? '')) {
      fail(`expected a parameter name, found ${JSON.stringify(text.slice(pos, pos + 20).split('\n')[0])}`);
    }
    let name = '';
    while (pos < text.length && isNameChar(text[pos] ?? '')) name += advance();
    skipInline();
    if (text[pos] !== '=') fail(`parameter ${name.toUpperCase()} has no value (expected ${name}=value)`);
    advance();
    skipInline();
    if (pos >= text.length || text[pos] === '\n' || text[pos] === '#' || text[pos] === '\r') {
      fail(`parameter ${name.toUpperCase()} has no value`);
    }
    const values = [readItem()];
    for (;;) {
      const save = { pos, line };
      skipBlank();
      if (text[pos] === ',') {
        advance();
        skipBlank();
        if (pos >= text.length) fail(`parameter ${name.toUpperCase()} ends with a comma`);
        values.push(readItem());
      } else {
        pos = save.pos;
        line = save.line;
        break;
      }
    }
    parameters.push({ name: name.toUpperCase(), values, line: nameLine });
    skipBlank();
  }
  return { parameters };
}

/** Strips one pair of quotes that wraps the whole item and occurs nowhere else in it. */
function unquote(item: string): string {
  const q = item[0];
  if ((q === '"' || q === "'") && item.length >= 2 && item.endsWith(q)) {
    const inner = item.slice(1, -1);
    if (!inner.includes(q)) return inner;
  }
  return item;
}

/** All occurrences of a parameter (repeatable ones such as REMAP_SCHEMA or EXCLUDE). */
export function parameterOccurrences(parfile: Parfile, name: string): ParfileParameter[] {
  const upper = name.toUpperCase();
  return parfile.parameters.filter((p) => p.name === upper);
}

/** Every value item of a parameter, across repetitions, in order. */
export function parameterValues(parfile: Parfile, name: string): string[] {
  return parameterOccurrences(parfile, name).flatMap((p) => p.values);
}

/** The single value of a parameter, or undefined; throws if it is given twice or as a list. */
export function singleValue(parfile: Parfile, name: string): string | undefined {
  const found = parameterOccurrences(parfile, name);
  if (found.length === 0) return undefined;
  if (found.length > 1) {
    throw new ParfileError(
      `parameter ${name.toUpperCase()} is given ${found.length} times (lines ${found.map((p) => p.line).join(', ')}); keep one`,
    );
  }
  const p = found[0]!;
  if (p.values.length !== 1) {
    throw new ParfileError(`parameter ${p.name} (line ${p.line}) takes one value, got ${p.values.length}`);
  }
  return p.values[0];
}

// ---------------------------------------------------------------------------------------------
// File specifications: DUMPFILE and LOGFILE are `[directory_object:]file_name`.

export interface FileSpec {
  /** Directory object named in the item (upper-cased unless quoted), if any. */
  directory?: string;
  /** File name as written (case preserved: file names are case-sensitive). */
  name: string;
}

export function parseFileSpec(item: string): FileSpec {
  const colon = item.indexOf(':');
  if (colon < 0) return { name: item };
  const dir = item.slice(0, colon);
  const name = item.slice(colon + 1);
  if (dir === '' || name === '')
    throw new ParfileError(`file specification ${JSON.stringify(item)} is incomplete`);
  return { directory: identifier(dir), name };
}

/** Oracle identifier rules: unquoted names are upper-cased, quoted ones kept as written. */
export function identifier(text: string): string {
  const t = text.trim();
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) return t.slice(1, -1);
  return t.toUpperCase();
}

// %U: two digits 01..99. %L: 01..99, then 100, 101, ... (12.2+). Either case.
const SUBSTITUTION = /%([A-Za-z])/g;

/** True when the file name uses a %U / %L substitution variable. */
export function hasSubstitution(name: string): boolean {
  return /%[uUlL]/.test(name);
}

function checkSubstitutions(name: string): void {
  for (const m of name.matchAll(SUBSTITUTION)) {
    const v = (m[1] ?? '').toUpperCase();
    if (v !== 'U' && v !== 'L') {
      throw new ParfileError(
        `dump file name ${JSON.stringify(name)} uses %${m[1]}: only %U and %L can name existing dump files for an import`,
      );
    }
  }
}

/** The file name a %U / %L template gives for the n-th file (1-based). */
export function expandDumpfilePattern(template: string, n: number): string {
  checkSubstitutions(template);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`dump file index must be >= 1, got ${n}`);
  return template.replace(/%([uUlL])/g, (_all, v: string) => {
    if (v.toUpperCase() === 'U' && n > 99) {
      throw new ParfileError(`dump file template ${JSON.stringify(template)} (%U) covers at most 99 files`);
    }
    return String(n).padStart(2, '0');
  });
}

/** A RegExp that matches exactly the names a template can produce (captures the index digits). */
export function dumpfilePatternRegExp(template: string): RegExp {
  checkSubstitutions(template);
  const parts = template.split(/%[uUlL]/);
  const vars = [...template.matchAll(/%([uUlL])/g)].map((m) => (m[1] ?? '').toUpperCase());
  let source = '^';
  parts.forEach((part, i) => {
    source += part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const v = vars[i];
    if (v === 'U') source += '(\\d{2})';
    else if (v === 'L') source += '(\\d{2,})';
  });
  return new RegExp(source + '$');
}

/** The DUMPFILE items of a parfile, as file specifications. */
export function dumpfileSpecs(parfile: Parfile): FileSpec[] {
  const specs = parameterValues(parfile, 'DUMPFILE').map(parseFileSpec);
  for (const s of specs) checkSubstitutions(s.name);
  return specs;
}

/**
 * The dump file names the parfile designates when `availableCount` files exist per template:
 * explicit names as they are, templates expanded 01..availableCount.
 */
export function dumpFileNames(parfile: Parfile, availableCount: number): string[] {
  return dumpfileSpecs(parfile).flatMap((s) =>
    hasSubstitution(s.name)
      ? Array.from({ length: availableCount }, (_v, i) => expandDumpfilePattern(s.name, i + 1))
      : [s.name],
  );
}

export interface ResolvedDumpfiles {
  /** The files impdp will open, in order (templates scanned 01, 02, ... until one is absent). */
  files: string[];
  /** Names that must exist but do not (an explicit name, or a template's first file). */
  missing: string[];
  /** Existing files that match a template but lie beyond a gap, so impdp would never read them. */
  unreachable: string[];
}

/** What impdp would read, given the names present in the directory (impdp's %U scan). */
export function resolveDumpfiles(parfile: Parfile, existing: Iterable<string>): ResolvedDumpfiles {
  const present = new Set(existing);
  const files: string[] = [];
  const missing: string[] = [];
  const unreachable: string[] = [];
  for (const spec of dumpfileSpecs(parfile)) {
    if (!hasSubstitution(spec.name)) {
      (present.has(spec.name) ? files : missing).push(spec.name);
      continue;
    }
    const limit = /%[uU]/.test(spec.name) ? 99 : Number.MAX_SAFE_INTEGER;
    let n = 1;
    const found: string[] = [];
    while (n <= limit && present.has(expandDumpfilePattern(spec.name, n))) {
      found.push(expandDumpfilePattern(spec.name, n));
      n++;
    }
    if (found.length === 0) missing.push(expandDumpfilePattern(spec.name, 1));
    files.push(...found);
    const re = dumpfilePatternRegExp(spec.name);
    for (const name of [...present].sort()) {
      if (re.test(name) && !found.includes(name) && !unreachable.includes(name)) unreachable.push(name);
    }
  }
  return { files, missing, unreachable };
}

/** LOGFILE as a file specification, if the parfile sets one. */
export function logfileSpec(parfile: Parfile): FileSpec | undefined {
  const v = singleValue(parfile, 'LOGFILE');
  return v === undefined ? undefined : parseFileSpec(v);
}

// ---------------------------------------------------------------------------------------------
// Remaps: REMAP_SCHEMA=source:target and REMAP_TABLESPACE=source:target, repeatable, each also
// accepting a comma list.

export interface Remap {
  from: string;
  to: string;
}

export interface Remaps {
  schemas: Remap[];
  tablespaces: Remap[];
}

function parseRemap(param: string, item: string): Remap {
  const m = /^("[^"]+"|[^:"]+):("[^"]+"|[^:"]+)$/.exec(item.trim());
  if (!m) throw new ParfileError(`${param}=${item} is not of the form source:target`);
  return { from: identifier(m[1]!), to: identifier(m[2]!) };
}

export function remaps(parfile: Parfile): Remaps {
  return {
    schemas: parameterValues(parfile, 'REMAP_SCHEMA').map((v) => parseRemap('REMAP_SCHEMA', v)),
    tablespaces: parameterValues(parfile, 'REMAP_TABLESPACE').map((v) => parseRemap('REMAP_TABLESPACE', v)),
  };
}
