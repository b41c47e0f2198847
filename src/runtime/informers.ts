// Informers with the fixes client-node 1.4 lacks: an informer that stops on error is restarted
// with backoff (410 Gone already re-lists by itself), a periodic resync re-enqueues every cached
// object so a silently stalled watch cannot leave a restore unattended, and every object is
// slimmed (slim.ts) before the cache keeps it, from the list and from the watch alike.
import * as k8s from '@kubernetes/client-node';
import type { Logger } from '../logging.js';
import { slimObject } from './slim.js';

/** A Watch that hands each event's object through `slim` before the cache sees it. */
class SlimmingWatch<T extends k8s.KubernetesObject> extends k8s.Watch {
  constructor(
    kc: k8s.KubeConfig,
    private readonly slim: (obj: T) => T,
  ) {
    super(kc);
  }

  override watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    return super.watch(
      path,
      queryParams,
      (phase, obj, raw) =>
        callback(phase, phase === 'ERROR' || phase === 'BOOKMARK' ? obj : this.slim(obj as T), raw),
      done,
    );
  }
}

export interface InformerSpec<T extends k8s.KubernetesObject> {
  /** Short name for logs, e.g. "jobs". */
  name: string;
  /** Watch path, e.g. /apis/batch/v1/namespaces/ns/jobs or /apis/batch/v1/jobs. */
  path: string;
  list: () => Promise<k8s.KubernetesListObject<T>>;
  labelSelector?: string;
  /** Called for add/update/delete and on resync; `deleted` is true for a delete. */
  onObject: (obj: T, deleted?: boolean) => void;
  /** What the cache keeps of each object (in place); default slimObject. */
  slim?: (obj: T) => T;
}

export interface RunningInformer<T extends k8s.KubernetesObject> {
  list(namespace?: string): readonly T[];
  get(name: string, namespace?: string): T | undefined;
  /** True once the first list has completed. */
  synced(): boolean;
  stop(): Promise<void>;
}

export function startInformer<T extends k8s.KubernetesObject>(
  kc: k8s.KubeConfig,
  spec: InformerSpec<T>,
  log: Logger,
  resyncMs = 5 * 60_000,
): RunningInformer<T> {
  const slim = spec.slim ?? slimObject;
  const list = async () => {
    const l = await spec.list();
    l.items = l.items.map(slim);
    return l;
  };
  const informer = new k8s.ListWatch<T>(
    spec.path,
    new SlimmingWatch<T>(kc, slim),
    list,
    false,
    spec.labelSelector,
  );
  let stopped = false;
  let hasSynced = false;
  let failures = 0;
  let restartTimer: NodeJS.Timeout | undefined;

  for (const verb of [k8s.ADD, k8s.UPDATE, k8s.DELETE] as const)
    informer.on(verb, (obj) => spec.onObject(obj, verb === k8s.DELETE));
  informer.on(k8s.CONNECT, () => {
    failures = 0;
  });
  informer.on(k8s.ERROR, (err) => {
    if (stopped) return; // stop() also fires "error": never revive a stopped informer
    const delay = Math.min(30_000, 500 * 2 ** failures++);
    log.warn({ informer: spec.name, err: String(err), retryInMs: delay }, 'watch failed; restarting');
    restartTimer = setTimeout(() => {
      if (!stopped) void begin();
    }, delay);
  });

  const begin = async () => {
    try {
      await informer.start();
      hasSynced = true;
    } catch (err) {
      if (stopped) return;
      const delay = Math.min(30_000, 500 * 2 ** failures++);
      log.warn({ informer: spec.name, err: String(err), retryInMs: delay }, 'list failed; retrying');
      restartTimer = setTimeout(() => void begin(), delay);
    }
  };
  void begin();

  const resync = setInterval(() => {
    for (const obj of informer.list()) spec.onObject(obj);
  }, resyncMs);
  resync.unref();

  return {
    list: (namespace) => informer.list(namespace),
    get: (name, namespace) => informer.get(name, namespace),
    synced: () => hasSynced,
    stop: async () => {
      stopped = true;
      clearInterval(resync);
      if (restartTimer) clearTimeout(restartTimer);
      await informer.stop();
    },
  };
}
