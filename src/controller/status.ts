// The one way the controller writes an AlmaRestore's status. A pass computes the status it wants
// (nextStatus, pure); when that equals what the API server holds, nothing is sent, so a restore at
// rest costs the API server no writes. Otherwise the whole status is PUT to the status
// subresource carrying the object's resourceVersion (optimistic lock). On 409 Conflict the object
// is re-read: if only its metadata moved (an annotation, a label, a finalizer), the same
// changes are laid onto the fresh object and sent again, at most MAX_CONFLICT_RETRIES times; if its
// status or generation moved, the changes were computed from a stale state and the conflict is thrown, so the
// work queue reconciles again from what the server holds.
import { isDeepStrictEqual } from 'node:util';
import type { AlmaRestore, AlmaRestoreStatus } from '../api/types.js';
import { setCondition, type ConditionInput } from '../api/conditions.js';

export const MAX_CONFLICT_RETRIES = 3;

/** What the status writer needs of the API server (an in-memory double in the unit tests). */
export interface StatusApi {
  /** The object as the server holds it now; undefined when it is gone. */
  get(namespace: string, name: string): Promise<AlmaRestore | undefined>;
  /** PUT .../status with body.metadata.resourceVersion; rejects with { code: 409 } on a stale one. */
  replaceStatus(body: AlmaRestore): Promise<AlmaRestore>;
}

export const isoSeconds = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Pure: the status after `changes` and `conditions`, on top of what `restore` holds. Keys set to
 * undefined are removed; conditions keep their lastTransitionTime unless their status changes.
 */
export function nextStatus(
  restore: AlmaRestore,
  changes: Partial<AlmaRestoreStatus>,
  conditions: readonly ConditionInput[],
  now: string,
): AlmaRestoreStatus {
  const merged: AlmaRestoreStatus = {
    ...restore.status,
    ...changes,
    observedGeneration: restore.metadata.generation,
  };
  for (const k of Object.keys(merged) as (keyof AlmaRestoreStatus)[])
    if (merged[k] === undefined) delete merged[k];
  const list = conditions.reduce(
    (l, c) => setCondition(l, { ...c, observedGeneration: restore.metadata.generation }, now),
    restore.status?.conditions ?? [],
  );
  merged.conditions = list;
  return merged;
}

/** Pure: the two statuses serialize to the same JSON content (undefined fields and key order ignored). */
export function sameStatus(a: AlmaRestoreStatus | undefined, b: AlmaRestoreStatus | undefined): boolean {
  return isDeepStrictEqual(plain(a ?? {}), plain(b ?? {}));
}

function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}

export class StatusConflictError extends Error {
  readonly code = 409;
}

export class StatusWriter {
  /** Writes sent (for tests and the bench's own cross-check). */
  writes = 0;
  /** Writes skipped because nothing changed. */
  skipped = 0;

  constructor(
    private readonly api: StatusApi,
    private readonly now: () => Date,
    /** Called with what the server holds after each write (metrics, read-your-writes). */
    private readonly onWritten: (updated: AlmaRestore) => void = () => {},
  ) {}

  /**
   * Writes the status `changes` + `conditions` would give, unless it is what `restore` already
   * holds. Updates `restore` in place (status, resourceVersion), so later writes in the same pass
   * build on the server's state. Returns whether a request was sent.
   */
  async write(
    restore: AlmaRestore,
    changes: Partial<AlmaRestoreStatus>,
    conditions: readonly ConditionInput[] = [],
  ): Promise<boolean> {
    const now = isoSeconds(this.now());
    let target = restore;
    for (let attempt = 0; ; attempt++) {
      const status = nextStatus(target, changes, conditions, now);
      if (sameStatus(status, target.status)) {
        this.skipped++;
        adopt(restore, target);
        return false;
      }
      try {
        const updated = await this.api.replaceStatus({ ...target, status });
        this.writes++;
        adopt(restore, updated);
        this.onWritten(updated);
        return true;
      } catch (err) {
        if ((err as { code?: number }).code !== 409) throw err;
        const fresh = await this.api.get(restore.metadata.namespace!, restore.metadata.name);
        if (!fresh) return false; // deleted meanwhile: the delete event reconciles it
        // A new generation means a spec edit the changes did not see: observedGeneration would lie.
        const moved =
          !sameStatus(fresh.status, target.status) ||
          fresh.metadata.generation !== target.metadata.generation;
        if (attempt + 1 >= MAX_CONFLICT_RETRIES || moved)
          throw new StatusConflictError(
            `status of ${restore.metadata.namespace}/${restore.metadata.name} changed since it was read (409 Conflict); reconciling again`,
          );
        target = fresh;
      }
    }
  }
}

/** Copies what the server holds into the caller's object. */
function adopt(restore: AlmaRestore, from: AlmaRestore) {
  if (from === restore) return;
  restore.status = from.status;
  restore.metadata.resourceVersion = from.metadata.resourceVersion;
}
