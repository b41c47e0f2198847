// Every reason the code can put in a condition, an Event or a step result, read from the source:
// the second argument of each `new UserFacingError(...)`, each `reason: '...'` literal, and the
// reason arguments of the reconciler's transitions. docs/troubleshooting.md must explain each.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** Where restore conditions come from: the controller and the step runners (and what they call). */
const SOURCES = ['src/controller', 'src/steps', 'src/contract', 'src/sftp', 'src/oracle'];
/** Process-level errors of the controller command: exit codes, never conditions. */
const NOT_CONDITIONS = new Set(['src/controller/command.ts', 'src/controller/preflight.ts']);
/** CamelCase literals in the reconciler that are not reasons. */
const NOT_REASONS = new Set([
  'True',
  'False',
  'Unknown',
  'Normal',
  'Warning',
  'Ready',
  'Progressing',
  'Degraded',
  'Failed',
  'Succeeded',
  'Running',
  'Pending',
  'Complete',
  'Retain',
  'Delete',
  'ReadWriteOnce',
  'ReadWriteMany',
  'Bound',
  'Lost',
  'StatefulSet',
  'Job',
  'Content',
  'Type',
  'Background',
  'PersistentVolumeClaim',
  'WaitForFirstConsumer',
  'Importing',
]);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Index just past the first argument of a call whose "(" is at `open` (strings and nesting skipped). */
function skipArgument(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text[i]!;
    // Comments may hold an apostrophe ("node-oracledb's") that is not a string.
    if (c === '/' && text[i + 1] === '/')
      i = text.indexOf('\n', i) === -1 ? text.length : text.indexOf('\n', i);
    else if (c === '/' && text[i + 1] === '*') i = text.indexOf('*/', i + 2) + 1 || text.length;
    else if (c === "'" || c === '"' || c === '`') {
      for (i++; i < text.length && text[i] !== c; i++) {
        if (text[i] === '\\') i++;
        else if (c === '`' && text[i] === '$' && text[i + 1] === '{') {
          let d = 0;
          for (; i < text.length; i++) {
            if (text[i] === '{') d++;
            else if (text[i] === '}' && --d === 0) break;
          }
        }
      }
    } else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (c === ',' && depth === 0) return i + 1;
  }
  return text.length;
}

export function conditionReasons(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (reason: string, file: string) =>
    out.set(reason, [...new Set([...(out.get(reason) ?? []), file])]);
  for (const dir of SOURCES)
    for (const abs of files(path.join(ROOT, dir))) {
      const file = path.relative(ROOT, abs);
      if (NOT_CONDITIONS.has(file)) continue;
      const text = readFileSync(abs, 'utf8');
      for (const m of text.matchAll(/new UserFacingError\(/g)) {
        const after = skipArgument(text, m.index + m[0].length);
        const reason = /^\s*'([A-Z][A-Za-z]+)'/.exec(text.slice(after));
        if (reason) add(reason[1]!, file);
      }
      for (const m of text.matchAll(/\breason\s*=\s*'([A-Z][A-Za-z]+)'/g)) add(m[1]!, file);
      // `reason: 'X'` and `reason: cond ? 'X' : 'Y'`, and bad(message, 'X') / badDelivery(message, 'X') / refuse(why, 'X').
      for (const m of text.matchAll(/\breason:([^,\n]*)/g))
        for (const r of m[1]!.matchAll(/'([A-Z][A-Za-z]+)'/g)) add(r[1]!, file);
      for (const m of text.matchAll(/\b(?:bad\w*|refuse)\(/g)) {
        const after = skipArgument(text, m.index + m[0].length);
        const reason = /^\s*'([A-Z][A-Za-z]+)'/.exec(text.slice(after));
        if (reason) add(reason[1]!, file);
      }
      // events.record(restore, 'Normal' | 'Warning', 'Reason', message)
      for (const m of text.matchAll(
        /\bevents\.record\(\s*[^,]+,\s*'(?:Normal|Warning)',\s*'([A-Z][A-Za-z]+)'/g,
      ))
        add(m[1]!, file);
      if (file === 'src/controller/reconciler.ts')
        for (const m of text.matchAll(/'([A-Z][a-z]+(?:[A-Z][a-z]+)+|[A-Z][a-z]{3,})'/g))
          if (!NOT_REASONS.has(m[1]!)) add(m[1]!, file);
    }
  // The controller's own reasons, declared in one table.
  const table = readFileSync(path.join(ROOT, 'src/api/conditions.ts'), 'utf8');
  const block = /export const REASON = \{([^}]*)\}/.exec(table)?.[1] ?? '';
  for (const m of block.matchAll(/'([A-Z][A-Za-z]+)'/g)) add(m[1]!, 'src/api/conditions.ts');
  return out;
}
