// The Secrets a restore references, checked against the controller's watched cache instead of a
// GET per Secret per pass, and the reverse map a Secret event needs: which restores to wake when
// a Secret they wait for appears or changes. Pure; the cache is passed in.
import type * as k8s from '@kubernetes/client-node';
import type { AlmaRestore } from '../api/types.js';
import { secretRequirements } from '../api/validation.js';
import { planningNeeds } from './planning-decide.js';

/** Looks a Secret up by name in the restore's namespace (the informer cache). */
export type SecretLookup = (name: string, namespace: string) => k8s.V1Secret | undefined;

/** What is missing or wrong in the Secrets the restore references; empty when all are usable. */
export function secretProblems(restore: AlmaRestore, lookup: SecretLookup): string[] {
  const ns = restore.metadata.namespace!;
  const problems: string[] = [];
  for (const req of secretRequirements(restore.spec)) {
    const secret = lookup(req.name, ns);
    if (!secret) problems.push(`Secret ${ns}/${req.name} (${req.purpose}) does not exist`);
    else problems.push(...req.check(Object.keys({ ...secret.data, ...secret.stringData })));
  }
  return problems;
}

/** Keys ("ns/name") of the restores in `restores` that reference Secret `namespace/name` (image pull Secrets too). */
export function restoresReferencingSecret(
  restores: readonly AlmaRestore[],
  name: string,
  namespace: string,
): string[] {
  return restores
    .filter((r) => r.metadata.namespace === namespace)
    .filter((r) => planningNeeds(r.spec).secrets.includes(name))
    .map((r) => `${namespace}/${r.metadata.name}`);
}
