// Planning's reads: what planning-decide.ts needs (Secret types and key names, never values; the
// StorageClasses; an existing database's staging claim), all from the controller's watched caches,
// and its verdict. A restore with problems waits in Planning; the event of the object it waits for
// (a Secret, a StorageClass, a claim created or grown) wakes it, so no pass polls.
import type { AlmaRestoreSpec, SizingPlan } from '../api/types.js';
import type { Caches } from './caches.js';
import {
  planningNeeds,
  planningProblems,
  type ClaimFacts,
  type PlanningProblem,
  type SecretFacts,
} from './planning-decide.js';

export type { PlanningProblem } from './planning-decide.js';

export function checkPlanning(
  caches: Pick<Caches, 'secrets' | 'storageClasses' | 'claims'>,
  namespace: string,
  spec: AlmaRestoreSpec,
  plan: SizingPlan,
): PlanningProblem[] {
  const needs = planningNeeds(spec);
  const secrets = new Map<string, SecretFacts | undefined>();
  for (const name of needs.secrets) {
    const s = caches.secrets.get(name, namespace);
    secrets.set(name, s && { type: s.type, keys: Object.keys({ ...s.data, ...s.stringData }) });
  }
  const storageClasses =
    needs.storageClasses.length > 0 ? caches.storageClasses.list().map((sc) => sc.metadata!.name!) : [];
  let stagingClaim: ClaimFacts | undefined;
  if (needs.stagingClaim) {
    const pvc = caches.claims.get(needs.stagingClaim, namespace);
    if (pvc) {
      const size = pvc.status?.capacity?.storage ?? pvc.spec?.resources?.requests?.storage;
      stagingClaim = {
        ...(size ? { size } : {}),
        ...(pvc.status?.phase ? { phase: pvc.status.phase } : {}),
        deleting: !!pvc.metadata?.deletionTimestamp,
      };
    }
  }
  return planningProblems(spec, plan, {
    namespace,
    secrets,
    storageClasses,
    ...(stagingClaim ? { stagingClaim } : {}),
  });
}
