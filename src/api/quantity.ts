// Kubernetes quantities as resource.ParseQuantity reads them (and so CEL's isQuantity() and
// quantity() in the CRD's rules): an optionally signed decimal number with a binary (Ki..Ei),
// decimal (n, u, m, k..E) or exponent (e3, E-2) suffix. The CRD's own patterns admit a subset;
// the CEL twins must still answer like the API server for what the patterns refuse. Pure.

export const GiB = 2 ** 30;

const MULTIPLIERS: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
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

// <signedNumber><suffix>; number: digits, digits.digits, digits. or .digits.
const QUANTITY = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(?:([KMGTPE]i|[numkMGTPE])|[eE]([+-]?[0-9]+))?$/;

/** CEL's isQuantity(): what resource.ParseQuantity accepts. */
export function isQuantity(text: string): boolean {
  return QUANTITY.test(text);
}

/** The value of a quantity in base units (bytes for storage); throws on anything else. */
export function parseQuantity(text: string): number {
  const m = QUANTITY.exec(text);
  if (!m) throw new Error(`not a Kubernetes quantity: ${JSON.stringify(text)}`);
  const multiplier = m[3] !== undefined ? 10 ** Number(m[3]) : MULTIPLIERS[m[2] ?? '']!;
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
