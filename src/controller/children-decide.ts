// What to do about one child the restore needs (staging claim, database Service, StatefulSet),
// given what already holds its deterministic name. Re-applying a deleted AlmaRestore under the
// same name meets its predecessor's children: those still being deleted are waited for (saying
// what holds them), those the predecessor left behind on purpose (retention.onDelete=Retain
// orphans the database) are adopted explicitly, and anything not made for this name is refused
// rather than silently reused. Pure; children.ts does the I/O.
import type { V1OwnerReference } from '@kubernetes/client-node';
import { KIND } from '../api/types.js';
import { LABEL, MANAGED_BY } from '../resources/meta.js';

export interface ExistingChild {
  uid?: string;
  deletionTimestamp?: string;
  ownerReferences?: V1OwnerReference[];
  labels?: Record<string, string>;
}

export interface ChildFacts {
  /** "PersistentVolumeClaim", "Service", "StatefulSet". */
  kind: string;
  /** What it is, for messages: "staging volume", "database". */
  role: string;
  namespace: string;
  name: string;
  existing?: ExistingChild;
  /** Pods that mount it (claims only), for the "still being deleted" message. */
  mountedBy?: string[];
}

export type ChildVerdict =
  | { action: 'create' }
  | { action: 'ok' }
  | { action: 'adopt'; message: string }
  | { action: 'wait'; message: string }
  | { action: 'refuse'; message: string };

export function decideChild(restore: { name: string; uid: string }, child: ChildFacts): ChildVerdict {
  const it = `${child.kind} ${child.namespace}/${child.name} (${child.role})`;
  const e = child.existing;
  if (!e) return { action: 'create' };
  const owners = e.ownerReferences ?? [];
  if (owners.some((o) => o.uid === restore.uid)) return { action: 'ok' };

  const earlier = owners.find((o) => o.kind === KIND && o.name === restore.name);
  if (e.deletionTimestamp) {
    const holders = child.mountedBy?.length
      ? `; pod(s) ${child.mountedBy.join(', ')} still mount it, and Kubernetes keeps a claim until no pod uses it`
      : '';
    return {
      action: 'wait',
      message: `Waiting for ${it} of an earlier AlmaRestore ${restore.name} to finish deleting (since ${e.deletionTimestamp})${holders}; this restore goes on once it is gone`,
    };
  }
  if (earlier)
    return {
      action: 'wait',
      message: `Waiting for ${it}, which belongs to an earlier AlmaRestore ${restore.name} (uid ${earlier.uid}), to be removed by the garbage collector; this restore goes on once it is gone`,
    };
  const controller = owners.find((o) => o.controller);
  if (controller)
    return {
      action: 'refuse',
      message: `${it} already exists, owned by ${controller.kind} ${controller.name}: give this AlmaRestore another name, or remove that ${child.kind}`,
    };
  const ours = e.labels?.[LABEL.restore] === restore.name && e.labels?.[LABEL.managedBy] === MANAGED_BY;
  if (!ours)
    return {
      action: 'refuse',
      message: `${it} already exists and was not made for AlmaRestore ${restore.name}: give this AlmaRestore another name, or delete or rename that ${child.kind}`,
    };
  return {
    action: 'adopt',
    message:
      `adopted ${it}, left by an earlier AlmaRestore ${restore.name} (retention.onDelete: Retain)` +
      (child.kind === 'StatefulSet'
        ? '; its data volume and data stay, and prepare refuses a schema that already holds objects unless database.replaceExistingSchema is true'
        : ''),
  };
}
