// The typed parts of a StepResult's `summary` that the controller reads (the rest it only shows):
// the fetch step's figures (throughput metric, sizing history) and the verify step's compact data
// inventory. A summary comes from a pod's termination message, so a reader checks each field
// before trusting it; these types say what a step writes, not what a reader may assume. Pure.

/** summary of a fetch result (steps/fetch/command.ts writes it; a type, so it is a Record<string, unknown>). */
export type FetchSummary = {
  bytesTransferred: number;
  durationSeconds: number;
  institutions: {
    id: string;
    files: number;
    extractedBytes: number;
    compressedBytes: number;
    reconnects: number;
    dumpFiles?: number;
  }[];
  warnings: number;
};

/**
 * summary.inventory of a verify result: the area names once, then per institution its figures in
 * that order (null: not in this delivery), compact enough for a consortium within 4 KiB.
 */
export interface CompactInventory {
  areas: string[];
  institutions: { institutionId: string; figures: (number | null)[] }[];
}

/** One institution's figures by area name, from a CompactInventory (also what the controller reads). */
export function figuresOf(inv: CompactInventory, institutionId: string): Record<string, number | null> {
  const row = inv.institutions.find((i) => i.institutionId === institutionId);
  return Object.fromEntries(inv.areas.map((a, k) => [a, row?.figures[k] ?? null]));
}
