// Reads how many tables the import step says it imported for an institution, from
// <staging>/reports/import-report.json ({ result, report } as publishStepResult writes it).
// Tolerant on purpose: the import report's inner shape belongs to the import step, so this
// looks for an entry with the institution's id and a table count (tablesImported,
// importedTables, tables as a number or list, or verdict.tables), and for a single institution
// also accepts a top-level count.
import { readFile } from 'node:fs/promises';
import path from 'node:path';

const COUNT_KEYS = ['tablesImported', 'importedTables', 'tables'];

function countIn(o: Record<string, unknown>): number | undefined {
  for (const k of COUNT_KEYS) {
    const v = o[k];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (Array.isArray(v)) return v.length;
  }
  for (const nested of ['verdict', 'log', 'figures']) {
    const v = o[nested];
    if (v && typeof v === 'object') {
      const n = countIn(v as Record<string, unknown>);
      if (n !== undefined) return n;
    }
  }
  return undefined;
}

function findInstitution(value: unknown, institutionId: string, depth = 0): number | undefined {
  if (depth > 6 || value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    for (const v of value) {
      const n = findInstitution(v, institutionId, depth + 1);
      if (n !== undefined) return n;
    }
    return undefined;
  }
  const o = value as Record<string, unknown>;
  if (String(o.institutionId ?? o.institution ?? '') === institutionId) {
    const n = countIn(o);
    if (n !== undefined) return n;
  }
  for (const v of Object.values(o)) {
    const n = findInstitution(v, institutionId, depth + 1);
    if (n !== undefined) return n;
  }
  return undefined;
}

/** The imported table count for one institution, or undefined when the document does not say. */
export function importedTables(
  doc: unknown,
  institutionId: string,
  onlyInstitution: boolean,
): number | undefined {
  const n = findInstitution(doc, institutionId);
  if (n !== undefined || !onlyInstitution || !doc || typeof doc !== 'object') return n;
  const d = doc as { result?: { summary?: Record<string, unknown> }; report?: Record<string, unknown> };
  for (const o of [d.report, d.result?.summary, doc as Record<string, unknown>]) {
    if (o && typeof o === 'object') {
      const c = countIn(o);
      if (c !== undefined) return c;
    }
  }
  return undefined;
}

export type ImportReport =
  { ok: true; doc: unknown; path: string } | { ok: false; path: string; error: string };

export async function readImportReport(reportDir: string): Promise<ImportReport> {
  const file = path.join(reportDir, 'import-report.json');
  try {
    return { ok: true, doc: JSON.parse(await readFile(file, 'utf8')), path: file };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { ok: false, path: file, error: e.code === 'ENOENT' ? 'not found' : e.message };
  }
}
