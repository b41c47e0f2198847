// Admission decides from the watched cache which restores are active. Two workers deciding at
// once, or a decision made before the cache shows the previous admission, let two restores past a
// limit: the controller bench saw it with 798 restores of one database waiting when the
// controller started (two admitted under --max-concurrent-per-database=1). The gate makes
// check-then-admit one step at a time in this process (leader election makes it the only one
// that acts), and counts a restore it admitted as active until the cache shows it so.
import type { AlmaRestore } from '../api/types.js';
import { ACTIVE_PHASES } from './phases.js';

export class AdmissionGate {
  private tail: Promise<unknown> = Promise.resolve();
  /** uids admitted here whose cached copy may not show it yet. */
  private readonly admitted = new Set<string>();

  /** Runs `fn` once every earlier call has finished (a failed one too). */
  serially<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  markAdmitted(restore: AlmaRestore): void {
    this.admitted.add(restore.metadata.uid ?? '');
  }

  /** The admission did not happen after all (its write failed). */
  forget(restore: AlmaRestore): void {
    this.admitted.delete(restore.metadata.uid ?? '');
  }

  /** The restores as admission must see them: one admitted here counts as Provisioning until cached as active. */
  view(restores: readonly AlmaRestore[]): AlmaRestore[] {
    const present = new Set(restores.map((r) => r.metadata.uid ?? ''));
    for (const uid of this.admitted) if (!present.has(uid)) this.admitted.delete(uid);
    return restores.map((r) => {
      const uid = r.metadata.uid ?? '';
      if (!this.admitted.has(uid)) return r;
      if (ACTIVE_PHASES.has(r.status?.phase ?? 'Pending')) {
        this.admitted.delete(uid);
        return r;
      }
      return { ...r, status: { ...r.status, phase: 'Provisioning' } } as AlmaRestore;
    });
  }
}
