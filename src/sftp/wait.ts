// Waiting for a delivery that the vendor uploads over hours: poll the listing until the zip and
// a gap-free run of parts exist and no file has changed size or mtime for `stableForMs`. Time
// and listing are injected, so the policy is tested without a server or a clock.
import type { RemoteEntry } from './connection.js';
import { discoverDelivery, SCRIPTS_ZIP, partPrefix, type DeliveryListing } from './discovery.js';

export interface WaitOptions {
  customerId: string;
  institutionId: string;
  /** Absolute deadline (ms since epoch) after which waiting ends. */
  deadlineMs: number;
  stableForMs: number;
  pollMs: number;
}

export interface WaitClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: WaitClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

export type WaitOutcome =
  | { kind: 'ready'; delivery: DeliveryListing }
  /** Nothing of this institution's delivery exists when the deadline passed. */
  | { kind: 'absent'; waitingFor: string }
  /** Files exist but are incomplete or still changing when the deadline passed. */
  | { kind: 'incomplete'; waitingFor: string; delivery: DeliveryListing }
  /** Everything is stable, but a part in the middle is missing. */
  | { kind: 'gap'; delivery: DeliveryListing };

/** What we are waiting for, in one sentence (for the log and the final message). */
export function describeWait(
  d: DeliveryListing,
  opts: Pick<WaitOptions, 'customerId' | 'institutionId'>,
  changing: string[],
): string {
  const wants: string[] = [];
  if (!d.zip) wants.push(SCRIPTS_ZIP);
  if (d.parts.length === 0) wants.push(`${partPrefix(opts.customerId, opts.institutionId)}*`);
  if (d.missingParts.length > 0) wants.push(`missing part(s) ${d.missingParts.join(', ')}`);
  if (changing.length > 0) wants.push(`${changing.join(', ')} to stop changing`);
  return wants.join('; ');
}

/** A file of the delivery seen so far, and since when it has not changed (ms since epoch). */
export interface SeenFile {
  name: string;
  size: number;
  unchangedSinceMs: number;
}

export async function waitForDelivery(
  list: () => Promise<RemoteEntry[]>,
  opts: WaitOptions,
  clock: WaitClock = realClock,
  onWaiting: (waitingFor: string, files: SeenFile[]) => void = () => undefined,
): Promise<WaitOutcome> {
  // name -> { signature, since }: when we first saw the file in its current state.
  const seen = new Map<string, { sig: string; since: number }>();
  for (;;) {
    const now = clock.now();
    const delivery = discoverDelivery(await list(), opts.customerId, opts.institutionId);
    const files = [...(delivery.zip ? [delivery.zip] : []), ...delivery.parts];
    const changing: string[] = [];
    for (const f of files) {
      const sig = `${f.size}/${f.mtimeMs}`;
      const prev = seen.get(f.name);
      if (!prev || prev.sig !== sig) seen.set(f.name, { sig, since: now });
      const since = seen.get(f.name)?.since ?? now;
      if (now - since < opts.stableForMs) changing.push(f.name);
    }
    const complete = delivery.zip !== undefined && delivery.parts.length > 0;
    if (complete && changing.length === 0) {
      if (delivery.missingParts.length === 0) return { kind: 'ready', delivery };
      return { kind: 'gap', delivery };
    }
    const waitingFor = describeWait(delivery, opts, changing);
    if (now >= opts.deadlineMs) {
      return delivery.parts.length === 0 && !delivery.zip
        ? { kind: 'absent', waitingFor }
        : { kind: 'incomplete', waitingFor, delivery };
    }
    onWaiting(
      waitingFor,
      files.map((f) => ({ name: f.name, size: f.size, unchangedSinceMs: seen.get(f.name)?.since ?? now })),
    );
    await clock.sleep(
      Math.max(
        1,
        Math.min(opts.pollMs, opts.deadlineMs - now, changing.length ? opts.stableForMs : opts.pollMs),
      ),
    );
  }
}
