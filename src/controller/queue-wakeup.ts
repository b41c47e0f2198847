// Queued restores wait for an event, not a timer: a slot frees when a restore leaves an active
// phase (or is deleted), and then every Queued restore is woken to re-run admission. This module
// remembers each restore's last seen phase and says when such a slot opened. Pure state; the
// manager feeds it informer events.
import type { AlmaRestore, Phase } from '../api/types.js';
import { ACTIVE_PHASES } from './phases.js';

export class SlotWatcher {
  private readonly lastPhase = new Map<string, Phase>();

  /** Records the restore's phase; true when it held a slot before and holds none now. */
  observe(restore: AlmaRestore, deleted = false): boolean {
    const key = `${restore.metadata.namespace}/${restore.metadata.name}`;
    const before = this.lastPhase.get(key);
    const now: Phase = restore.status?.phase ?? 'Pending';
    if (deleted) this.lastPhase.delete(key);
    else this.lastPhase.set(key, now);
    const held = before !== undefined && ACTIVE_PHASES.has(before);
    return held && (deleted || !ACTIVE_PHASES.has(now));
  }
}

/** Keys of the Queued restores among `restores`, the ones a freed slot may admit. */
export function queuedKeys(restores: readonly AlmaRestore[]): string[] {
  return restores
    .filter((r) => r.status?.phase === 'Queued')
    .map((r) => `${r.metadata.namespace}/${r.metadata.name}`);
}
