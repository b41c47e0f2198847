// What the informer caches keep of each object: what the controller reads, not what the API
// server sends. Every object loses metadata.managedFields (the server-side-apply bookkeeping: per
// field manager, a tree of every field it set, often as large as the object itself) and kubectl's
// last-applied-configuration annotation (a second copy of the object as applied); nothing in the
// controller reads either, and a status PUT ignores metadata. A Secret keeps its type and its key
// names only: the planning checks need which keys exist, never their values (a namespace's Secrets
// may be Helm releases or certificates of hundreds of KiB each). Pure, and in place: the object
// came from a list or watch response that nothing else holds.
import type * as k8s from '@kubernetes/client-node';

export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** Pure: `obj` without the fields the caches never read (see the header); returns `obj`. */
export function slimObject<T extends k8s.KubernetesObject>(obj: T): T {
  const m = obj.metadata;
  if (m) {
    delete m.managedFields;
    if (m.annotations && LAST_APPLIED in m.annotations) {
      delete m.annotations[LAST_APPLIED];
      if (Object.keys(m.annotations).length === 0) delete m.annotations;
    }
  }
  return obj;
}

/** Pure: a Secret as the caches keep it: metadata, type and key names (values emptied). */
export function slimSecret(secret: k8s.V1Secret): k8s.V1Secret {
  slimObject(secret);
  const keys = (o: Record<string, string> | undefined) =>
    o && Object.fromEntries(Object.keys(o).map((k) => [k, '']));
  const data = keys({ ...secret.data, ...secret.stringData });
  delete secret.stringData;
  if (data) secret.data = data;
  return secret;
}
