// Durations as the CRD admits them ("24h", "1h30m", "90s"), the subset of Go's time.Duration
// syntax that CEL's duration() also reads. Pure.
import { PATTERNS } from './crd.js';

const DURATION = new RegExp(PATTERNS.duration);
const UNIT_SECONDS: Record<string, number> = { h: 3600, m: 60, s: 1 };

export function isDuration(text: string): boolean {
  return DURATION.test(text);
}

export function parseDurationSeconds(text: string): number {
  if (!isDuration(text)) throw new Error(`not a duration like "24h" or "1h30m": ${JSON.stringify(text)}`);
  let total = 0;
  for (const m of text.matchAll(/([0-9]+)([hms])/g)) total += Number(m[1]) * UNIT_SECONDS[m[2]!]!;
  return total;
}
