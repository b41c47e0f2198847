// Kubernetes quantities, the subset the CRD's patterns admit: a decimal number with an optional
// binary (Ki..Ei), decimal (k..E) or milli (m) suffix. Pure.
import { PATTERNS } from './crd.js';

export const GiB = 2 ** 30;

const MULTIPLIERS: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const QUANTITY = new RegExp(PATTERNS.resourceQuantity);

export function isQuantity(text: string): boolean {
  return QUANTITY.test(text);
}

/** The value of a quantity in base units (bytes for storage); throws on anything else. */
export function parseQuantity(text: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)([a-zA-Z]*)$/.exec(text);
  const multiplier = m ? MULTIPLIERS[m[2]!] : undefined;
  if (!m || multiplier === undefined || !isQuantity(text))
    throw new Error(`not a Kubernetes quantity: ${JSON.stringify(text)}`);
  return Number(m[1]) * multiplier;
}

// Whole GiB, rounding up, but not for floating-point noise (100.00000000001 GiB is 100 GiB).
const wholeGiB = (bytes: number) => Math.ceil(bytes / GiB - 1e-9);

/** Bytes rounded up to whole GiB, as a quantity ("150Gi"). */
export function formatGiB(bytes: number): string {
  return `${wholeGiB(bytes)}Gi`;
}

export function ceilToGiB(bytes: number): number {
  return wholeGiB(bytes) * GiB;
}
