// What Planning checks before a restore may claim resources, as pure functions: every object the
// restore names must exist and fit (the Secrets and their keys, the image pull Secrets, the named
// StorageClasses, an existing database's staging claim and its size). Each problem is a sentence
// that says what to do, naming only fields that may still change: in Planning the whole spec may
// (the restore has not started). The I/O that gathers the facts is planning.ts.
import { formatGiB, parseQuantity } from '../api/quantity.js';
import type { AlmaRestoreSpec, SizingPlan } from '../api/types.js';
import { secretRequirements } from '../api/validation.js';

export type PlanningReason =
  | 'SecretInvalid'
  | 'ImagePullSecretInvalid'
  | 'StorageClassNotFound'
  | 'StagingClaimMissing'
  | 'StagingClaimTooSmall';

export interface PlanningProblem {
  reason: PlanningReason;
  message: string;
}

/** What the API server holds about one Secret (never its values). */
export interface SecretFacts {
  type?: string;
  keys: string[];
}

export interface ClaimFacts {
  /** status.capacity.storage once bound, else spec.resources.requests.storage. */
  size?: string;
  phase?: string;
  deleting: boolean;
}

export interface PlanningFacts {
  namespace: string;
  /** By name; undefined = does not exist. */
  secrets: Map<string, SecretFacts | undefined>;
  /** Names of the StorageClasses that exist. */
  storageClasses: string[];
  /** The existing database's staging claim; undefined = does not exist (only asked in existing mode). */
  stagingClaim?: ClaimFacts;
}

/** The objects Planning reads; the I/O module asks for exactly these. */
export interface PlanningNeeds {
  secrets: string[];
  storageClasses: { name: string; field: string }[];
  stagingClaim?: string;
}

export function planningNeeds(spec: AlmaRestoreSpec): PlanningNeeds {
  const managed = spec.database.managed;
  const classes: { name: string; field: string }[] = [];
  // Only named classes: an unnamed claim takes the cluster default, or binds to a static volume.
  if (managed && spec.storage?.storageClassName)
    classes.push({ name: spec.storage.storageClassName, field: 'storage.storageClassName' });
  if (managed?.storageClassName)
    classes.push({ name: managed.storageClassName, field: 'database.managed.storageClassName' });
  return {
    secrets: [
      ...new Set([...secretRequirements(spec).map((r) => r.name), ...(managed?.imagePullSecrets ?? [])]),
    ],
    storageClasses: classes,
    ...(spec.database.existing ? { stagingClaim: spec.database.existing.stagingClaimName } : {}),
  };
}

const PULL_SECRET_TYPES: Record<string, string> = {
  'kubernetes.io/dockerconfigjson': '.dockerconfigjson',
  'kubernetes.io/dockercfg': '.dockercfg',
};

/** The registry host of an image reference, for the `kubectl create secret docker-registry` hint. */
export function registryOf(image: string): string {
  const first = image.split('/')[0] ?? '';
  return image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')
    ? first
    : 'docker.io';
}

export function planningProblems(
  spec: AlmaRestoreSpec,
  plan: SizingPlan,
  facts: PlanningFacts,
): PlanningProblem[] {
  const ns = facts.namespace;
  const problems: PlanningProblem[] = [];

  for (const req of secretRequirements(spec)) {
    const secret = facts.secrets.get(req.name);
    if (!secret)
      problems.push({
        reason: 'SecretInvalid',
        message: `Secret ${ns}/${req.name} (${req.purpose}) does not exist`,
      });
    else for (const message of req.check(secret.keys)) problems.push({ reason: 'SecretInvalid', message });
  }

  const managed = spec.database.managed;
  for (const name of managed?.imagePullSecrets ?? []) {
    const secret = facts.secrets.get(name);
    const create =
      `kubectl create secret docker-registry ${name} -n ${ns} --docker-server=${registryOf(managed!.image)} ` +
      `--docker-username=<user> --docker-password=<password or token>`;
    const key = secret?.type ? PULL_SECRET_TYPES[secret.type] : undefined;
    if (!secret)
      problems.push({
        reason: 'ImagePullSecretInvalid',
        message: `image pull Secret ${ns}/${name} (database.managed.imagePullSecrets) does not exist: create it (${create}) or remove it from database.managed.imagePullSecrets`,
      });
    else if (!key || !secret.keys.includes(key))
      problems.push({
        reason: 'ImagePullSecretInvalid',
        message: `image pull Secret ${ns}/${name} (database.managed.imagePullSecrets) is of type ${secret.type ?? 'Opaque'}${key ? ` without the key "${key}"` : ''}; the kubelet pulls only with a kubernetes.io/dockerconfigjson Secret: recreate it (${create})`,
      });
  }

  for (const sc of planningNeeds(spec).storageClasses) {
    if (facts.storageClasses.includes(sc.name)) continue;
    const known = facts.storageClasses.length
      ? `the cluster has ${[...facts.storageClasses].sort().join(', ')}`
      : 'the cluster has none';
    problems.push({
      reason: 'StorageClassNotFound',
      message: `StorageClass ${sc.name} (${sc.field}) does not exist (${known}; kubectl get storageclass): create it, or set ${sc.field} to one that exists`,
    });
  }

  const existing = spec.database.existing;
  if (existing) {
    const claim = facts.stagingClaim;
    const name = `${ns}/${existing.stagingClaimName}`;
    if (!claim || claim.deleting)
      problems.push({
        reason: 'StagingClaimMissing',
        message: `PersistentVolumeClaim ${name} (database.existing.stagingClaimName) ${claim ? 'is being deleted' : 'does not exist'}: create it on the volume the database server sees at database.existing.stagingPath (${existing.stagingPath}), or set database.existing.stagingClaimName to that claim`,
      });
    else if (claim.size) {
      const bytes = safeQuantity(claim.size);
      if (bytes !== undefined && bytes < plan.stagingBytes) {
        const need = formatGiB(plan.stagingBytes);
        problems.push({
          reason: 'StagingClaimTooSmall',
          message:
            `PersistentVolumeClaim ${name} (database.existing.stagingClaimName) holds ${claim.size}; the plan needs ${plan.stagingSize} of dump files for ${plan.totalBibRecords} bib records: ` +
            `expand it (kubectl patch pvc ${existing.stagingClaimName} -n ${ns} -p '{"spec":{"resources":{"requests":{"storage":"${need}"}}}}', if its StorageClass allows expansion), ` +
            `set database.existing.stagingClaimName to a larger claim, or set storage.stagingSize if you know the delivery is smaller`,
        });
      }
    }
  }
  return problems;
}

function safeQuantity(text: string): number | undefined {
  try {
    return parseQuantity(text);
  } catch {
    return undefined;
  }
}
