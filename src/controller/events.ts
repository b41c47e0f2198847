// Kubernetes Events on the AlmaRestore, so `kubectl describe` tells the story of a restore.
// Repeats of the same reason+message within one process bump the count of one Event instead of
// creating many.
import * as k8s from '@kubernetes/client-node';
import type { Logger } from '../logging.js';
import type { AlmaRestore } from '../api/types.js';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorder {
  record(restore: AlmaRestore, type: EventType, reason: string, message: string): Promise<void>;
}

export const COMPONENT = 'alma-restore-operator';

export class ApiEventRecorder implements EventRecorder {
  private readonly api: k8s.CoreV1Api;
  private readonly seen = new Map<string, { name: string; count: number }>();

  constructor(
    kc: k8s.KubeConfig,
    private readonly log: Logger,
  ) {
    this.api = kc.makeApiClient(k8s.CoreV1Api);
  }

  async record(restore: AlmaRestore, type: EventType, reason: string, message: string): Promise<void> {
    const namespace = restore.metadata.namespace ?? 'default';
    const key = `${namespace}/${restore.metadata.name}/${restore.metadata.uid}/${reason}/${message}`;
    const now = new Date();
    try {
      const prior = this.seen.get(key);
      if (prior) {
        prior.count += 1;
        await this.api.patchNamespacedEvent(
          { name: prior.name, namespace, body: { count: prior.count, lastTimestamp: now } },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
        );
        return;
      }
      const name = `${restore.metadata.name}.${now.getTime().toString(16)}${Math.random().toString(16).slice(2, 6)}`;
      await this.api.createNamespacedEvent({
        namespace,
        body: {
          metadata: { name, namespace },
          involvedObject: {
            apiVersion: restore.apiVersion,
            kind: restore.kind,
            name: restore.metadata.name,
            namespace,
            uid: restore.metadata.uid,
          },
          type,
          reason,
          message: message.slice(0, 1024),
          source: { component: COMPONENT },
          reportingComponent: COMPONENT,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      });
      this.seen.set(key, { name, count: 1 });
      // Remember recent Events only: the oldest is forgotten (a repeat then starts a new Event).
      if (this.seen.size > 1000) this.seen.delete(this.seen.keys().next().value!);
    } catch (err) {
      // An Event is best effort: never fail a reconcile because of it.
      this.log.warn({ err: String(err), reason }, 'could not record event');
    }
  }
}
