// Kubernetes Events on the AlmaRestore, so `kubectl describe` tells the story of a restore.
// Recorded without holding the reconcile: record() puts the Event in an ordered, bounded queue and
// returns; one background sender delivers the queue in order (as client-go's EventBroadcaster
// does), so a restore's pass costs its status write and nothing more. Nothing is dropped to keep
// the bound: a repeat of an Event still queued (same restore, reason and message) raises the queued
// one's count (client-go's correlator aggregates likewise); a full queue makes record() wait for
// room (back-pressure on the workers, never a lost Event). A failed send is retried with backoff
// while the API server may still accept it (network, 429, 5xx); only a rejection no retry can fix
// (e.g. 403, 422) is logged and given up. Repeats of an Event already sent, within one process,
// bump the count of that Event (a PATCH) instead of creating many; flush() is awaited on shutdown.
import * as k8s from '@kubernetes/client-node';
import type { Logger } from '../logging.js';
import type { AlmaRestore } from '../api/types.js';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorder {
  /** Queues the Event; resolves once it is queued (at once, unless the queue is full). */
  record(restore: AlmaRestore, type: EventType, reason: string, message: string): Promise<void>;
}

export const COMPONENT = 'alma-restore-operator';

/** The two Event requests (an in-memory double in the unit tests). */
export interface EventSink {
  create(namespace: string, body: k8s.CoreV1Event): Promise<void>;
  /** Rejects with { code: 404 } when the Event is gone (expired): the sender creates a new one. */
  patch(namespace: string, name: string, body: { count: number; lastTimestamp: Date }): Promise<void>;
}

export function apiEventSink(kc: k8s.KubeConfig): EventSink {
  const api = kc.makeApiClient(k8s.CoreV1Api);
  return {
    create: async (namespace, body) => {
      await api.createNamespacedEvent({ namespace, body });
    },
    patch: async (namespace, name, body) => {
      await api.patchNamespacedEvent(
        { name, namespace, body },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
    },
  };
}

export interface EventQueueOptions {
  /** Distinct Events queued at most; record() waits for room beyond it. */
  maxQueued?: number;
  /** Delay before retry `attempt` (1, 2, ...) of a failed send. */
  backoffMs?: (attempt: number) => number;
}

interface Queued {
  key: string;
  namespace: string;
  involved: k8s.V1ObjectReference;
  /** The Event's name, fixed on the first create (a retried create that finds it is done). */
  name?: string;
  type: EventType;
  reason: string;
  message: string;
  /** Occurrences folded into this entry. */
  count: number;
  first: Date;
  last: Date;
}

/** Pure: whether a failed Event request may succeed when sent again. */
export function retryable(err: unknown): boolean {
  const code = (err as { code?: number }).code;
  return code === undefined || code === 429 || code >= 500;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ApiEventRecorder implements EventRecorder {
  private readonly sink: EventSink;
  private readonly maxQueued: number;
  private readonly backoffMs: (attempt: number) => number;
  /** In order of first occurrence; the head is being sent. */
  private readonly queue: Queued[] = [];
  private readonly pending = new Map<string, Queued>();
  /** Events sent by this process: a repeat bumps their count. */
  private readonly seen = new Map<string, { name: string; count: number }>();
  private readonly roomWaiters: (() => void)[] = [];
  private sending: Promise<void> | undefined;
  /** Events given up (a rejection no retry can fix), for tests and logs. */
  rejected = 0;

  constructor(
    kcOrSink: k8s.KubeConfig | EventSink,
    private readonly log: Logger,
    options: EventQueueOptions = {},
  ) {
    this.sink = kcOrSink instanceof k8s.KubeConfig ? apiEventSink(kcOrSink) : kcOrSink;
    this.maxQueued = options.maxQueued ?? 1000;
    this.backoffMs = options.backoffMs ?? ((n) => Math.min(10_000, 250 * 2 ** (n - 1)));
  }

  /** Events waiting to be sent (queued or in flight). */
  get queued(): number {
    return this.queue.length;
  }

  async record(restore: AlmaRestore, type: EventType, reason: string, message: string): Promise<void> {
    const namespace = restore.metadata.namespace ?? 'default';
    const text = message.slice(0, 1024);
    const key = `${namespace}/${restore.metadata.name}/${restore.metadata.uid}/${type}/${reason}/${text}`;
    const now = new Date();
    for (;;) {
      const same = this.pending.get(key);
      if (same) {
        same.count += 1;
        same.last = now;
        return;
      }
      if (this.queue.length < this.maxQueued) break;
      await new Promise<void>((r) => this.roomWaiters.push(r));
    }
    const entry: Queued = {
      key,
      namespace,
      involved: {
        apiVersion: restore.apiVersion,
        kind: restore.kind,
        name: restore.metadata.name,
        namespace,
        uid: restore.metadata.uid,
      },
      type,
      reason,
      message: text,
      count: 1,
      first: now,
      last: now,
    };
    this.queue.push(entry);
    this.pending.set(key, entry);
    this.sending ??= this.drain().finally(() => (this.sending = undefined));
  }

  /** Resolves when every Event recorded so far has been sent (or given up). */
  async flush(): Promise<void> {
    while (this.sending) await this.sending;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      for (let attempt = 1; ; attempt++) {
        // Occurrences folded in while a send was in flight go out with the next request.
        const count = head.count;
        try {
          await this.send(head, count);
          head.count -= count;
          if (head.count === 0) break;
          attempt = 0;
        } catch (err) {
          if (!retryable(err)) {
            this.rejected++;
            this.log.warn({ err: String(err), reason: head.reason }, 'event rejected; not recorded');
            break;
          }
          const delay = this.backoffMs(attempt);
          this.log.debug({ err: String(err), reason: head.reason, retryInMs: delay }, 'event send failed');
          await sleep(delay);
        }
      }
      this.queue.shift();
      this.pending.delete(head.key);
      this.roomWaiters.shift()?.();
    }
  }

  private async send(e: Queued, count: number): Promise<void> {
    const prior = this.seen.get(e.key);
    if (prior) {
      try {
        await this.sink.patch(e.namespace, prior.name, { count: prior.count + count, lastTimestamp: e.last });
        prior.count += count;
        return;
      } catch (err) {
        if ((err as { code?: number }).code !== 404) throw err;
        this.seen.delete(e.key); // expired (the API server's event TTL): start a new Event
      }
    }
    const name =
      (e.name ??= `${e.involved.name}.${e.first.getTime().toString(16)}${Math.random().toString(16).slice(2, 6)}`);
    try {
      await this.sink.create(e.namespace, {
        metadata: { name, namespace: e.namespace },
        involvedObject: e.involved,
        type: e.type,
        reason: e.reason,
        message: e.message,
        source: { component: COMPONENT },
        reportingComponent: COMPONENT,
        firstTimestamp: e.first,
        lastTimestamp: e.last,
        count,
      });
    } catch (err) {
      // An earlier attempt was created but its answer lost: the Event is there.
      if ((err as { code?: number }).code !== 409) throw err;
    }
    delete e.name;
    this.seen.set(e.key, { name, count });
    // Remember recent Events only: the oldest is forgotten (a repeat then starts a new Event).
    if (this.seen.size > 1000) this.seen.delete(this.seen.keys().next().value!);
  }
}
