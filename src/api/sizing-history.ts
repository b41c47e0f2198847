// The plan learns from the last restore: when the same institution has a previous Succeeded
// restore (status.history, found by the controller), its measured figures, scaled by bib records,
// replace the vendor's 150 GiB-per-million rule: dump bytes for the staging volume, the bytes its
// tablespace used for the tablespace (plus the vendor's 20% headroom), and its import time for an
// estimate that status shows from the first minute. Pure.
import { ceilToGiB } from './quantity.js';
import type { RestoreHistory } from './types.js';

/** Extra room over the last delivery's dump files: deliveries grow between quarters. */
export const STAGING_HISTORY_MARGIN = 1.1;
/** The vendor: the tablespace must be at least 20% larger than the data. */
const HEADROOM = 1.2;

export interface HistoryBasis {
  /** Planned tablespace bytes per institution id, where its previous restore measured them. */
  tablespaceBytes: Map<string, number>;
  /** Staging bytes, when every institution's previous fetch measured its dump files. */
  stagingBytes?: number;
  /** Import seconds, when every institution's previous import was timed. */
  importSeconds?: number;
  /** The restores the figures came from, for the plan's basis. */
  sources: string[];
}

export function sizingFromHistory(
  institutions: { institutionId: string; bibRecords: number }[],
  history: RestoreHistory[] = [],
): HistoryBasis {
  const basis: HistoryBasis = { tablespaceBytes: new Map(), sources: [] };
  let staging = 0;
  let seconds = 0;
  let allStaging = institutions.length > 0;
  let allTimed = institutions.length > 0;
  for (const inst of institutions) {
    const h = history.find((x) => x.institutionId === inst.institutionId);
    const base = h?.bibActive;
    if (!h || !base || base <= 0) {
      allStaging = allTimed = false;
      continue;
    }
    const scale = inst.bibRecords / base;
    if (!basis.sources.includes(h.restore)) basis.sources.push(h.restore);
    if (h.tablespaceUsedBytes)
      basis.tablespaceBytes.set(inst.institutionId, ceilToGiB(h.tablespaceUsedBytes * scale * HEADROOM));
    if (h.dumpBytes) staging += h.dumpBytes * scale * STAGING_HISTORY_MARGIN;
    else allStaging = false;
    if (h.importSeconds) seconds += h.importSeconds * scale;
    else allTimed = false;
  }
  if (allStaging) basis.stagingBytes = ceilToGiB(staging);
  if (allTimed) basis.importSeconds = Math.round(seconds);
  return basis;
}

/** "about 6 h 10 min, from library/2026q3" */
export function describeEstimate(seconds: number, sources: string[]): string {
  const minutes = Math.max(1, Math.round(seconds / 60));
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  const time = h > 0 ? `${h} h${m > 0 ? ` ${m} min` : ''}` : `${m} min`;
  return `about ${time}, from ${sources.join(', ')}`;
}
