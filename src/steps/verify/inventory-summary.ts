// summary.inventory, the verify step's data inventory in its termination message: the area names
// once, then per institution its figures in that order (null: not in this delivery), compact
// enough for a consortium within the kubelet's 4 KiB. The controller reads it with figuresOf
// (contract/summaries.ts). Pure.
import type { CompactInventory } from '../../contract/summaries.js';
import type { VerifyReport } from './run.js';
import { INVENTORY_AREAS } from './inventory-areas.js';
import { inventoryFigures } from './inventory.js';

export function compactInventory(report: VerifyReport): CompactInventory | undefined {
  const counted = report.institutions.filter((i) => i.inventory);
  if (counted.length === 0) return undefined;
  const areas: string[] = [...INVENTORY_AREAS];
  return {
    areas,
    institutions: counted.map((i) => {
      const figures = inventoryFigures(i.inventory!) as Record<string, number | null | undefined>;
      return { institutionId: i.institutionId, figures: areas.map((a) => figures[a] ?? null) };
    }),
  };
}
