// The step Jobs: one Job per step attempt, run once (backoffLimit 0: a retry is a new attempt the
// user asks for), restricted pod security, the result in the termination message. Each step sees
// only the Secrets it needs, as files under /var/run/secrets/alma/<purpose>. Pure.
import type { V1Affinity, V1Container, V1Job, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import type { ResolvedAlmaRestore } from '../api/defaults.js';
import { SECRET_DIRS } from './step-config-builder.js';
import { DEFAULT_CONFIG_PATH, STAGING_MOUNT } from '../contract/step-config.js';
import type { StepName } from '../contract/result.js';
import { ADMIN_USER_KEY, CONFIG_KEY } from './configmap.js';
import { ORACLE_UID } from './database.js';
import { LABEL, databaseSelector, ownedMetadata, restoreLabels } from './meta.js';
import { configMapName, jobName } from './names.js';
import { stagingClaimFor } from './staging.js';

/** The distroless runner image's user (the Dockerfile's USER 65532). */
export const RUNNER_UID = 65532;
/** Where the runner image keeps Node and the app (the Dockerfile's layout). */
export const RUNNER_NODE = '/nodejs';
export const RUNNER_APP = '/app';
/** For engine impdp: where the init container copies Node and the app into the database image. */
export const RUNNER_COPY_DIR = '/opt/alma-runner';

const CONFIG_DIR = DEFAULT_CONFIG_PATH.slice(0, DEFAULT_CONFIG_PATH.lastIndexOf('/'));
const STEP_RESOURCES = { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } };

type SecretPurpose = keyof typeof SECRET_DIRS;

/** Least privilege: which Secrets each step mounts. */
export function secretsForStep(restore: ResolvedAlmaRestore, step: StepName): SecretPurpose[] {
  switch (step) {
    case 'fetch':
      return ['sftp'];
    case 'prepare':
    case 'import':
      return ['dbAdmin', 'schema'];
    case 'verify':
      return restore.spec.import.postImport.webhookSecret
        ? ['dbAdmin', 'schema', 'webhook']
        : ['dbAdmin', 'schema'];
  }
}

const VOLUME_NAMES: Record<SecretPurpose, string> = {
  sftp: 'secret-sftp',
  dbAdmin: 'secret-db-admin',
  schema: 'secret-schema',
  webhook: 'secret-webhook',
};

function secretVolume(restore: ResolvedAlmaRestore, purpose: SecretPurpose): V1Volume {
  const { spec } = restore;
  const secret = (secretName: string): V1Volume => ({
    name: VOLUME_NAMES[purpose],
    secret: { secretName, defaultMode: 0o440 },
  });
  switch (purpose) {
    case 'sftp':
      return secret(spec.source.sftp.credentialsSecret);
    case 'schema':
      return secret(spec.database.schemaPasswordSecret);
    case 'webhook':
      return secret(spec.import.postImport.webhookSecret!);
    case 'dbAdmin': {
      const { managed, existing } = spec.database;
      if (existing) return secret(existing.adminCredentialsSecret);
      // Managed: the Secret holds only ORACLE_PWD; the user name comes from the ConfigMap, so
      // the steps read the same two files (username, password) in both modes.
      return {
        name: VOLUME_NAMES.dbAdmin,
        projected: {
          defaultMode: 0o440,
          sources: [
            {
              secret: { name: managed!.adminPasswordSecret, items: [{ key: 'password', path: 'password' }] },
            },
            {
              configMap: {
                name: configMapName(restore.name),
                items: [{ key: ADMIN_USER_KEY, path: 'username' }],
              },
            },
          ],
        },
      };
    }
  }
}

/**
 * With a ReadWriteOnce staging volume the step pods must run where the database pod runs (it
 * has the volume mounted). Only known in managed mode.
 */
export function stepAffinity(restore: ResolvedAlmaRestore): V1Affinity | undefined {
  const { database, storage } = restore.spec;
  if (!database.managed || storage.stagingAccessMode !== 'ReadWriteOnce') return undefined;
  return {
    podAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [
        {
          labelSelector: { matchLabels: databaseSelector(restore.name) },
          topologyKey: 'kubernetes.io/hostname',
        },
      ],
    },
  };
}

export const deadlineSeconds = (restore: ResolvedAlmaRestore, step: StepName): number =>
  restore.spec.steps[`${step}DeadlineSeconds`];

/** True when this step runs in the impdp image (engine impdp) instead of the runner image. */
export const usesImpdpImage = (restore: ResolvedAlmaRestore, step: StepName) =>
  step === 'import' && restore.spec.import.engine === 'impdp';

export function buildStepJob(restore: ResolvedAlmaRestore, step: StepName, attempt: number): V1Job {
  const { spec } = restore;
  const impdp = usesImpdpImage(restore, step);
  const uid = impdp ? ORACLE_UID : RUNNER_UID;
  const stepLabels = { [LABEL.step]: step, [LABEL.attempt]: String(attempt) };
  const secrets = secretsForStep(restore, step);

  const mounts: V1VolumeMount[] = [
    { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
    { name: 'staging', mountPath: STAGING_MOUNT },
    { name: 'tmp', mountPath: '/tmp' },
    ...secrets.map((p) => ({ name: VOLUME_NAMES[p], mountPath: SECRET_DIRS[p], readOnly: true })),
  ];
  const volumes: V1Volume[] = [
    {
      name: 'config',
      configMap: { name: configMapName(restore.name), items: [{ key: CONFIG_KEY, path: CONFIG_KEY }] },
    },
    { name: 'staging', persistentVolumeClaim: { claimName: stagingClaimFor(restore) } },
    { name: 'tmp', emptyDir: {} },
    ...secrets.map((p) => secretVolume(restore, p)),
  ];

  const containerSecurity = (readOnlyRoot: boolean) => ({
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    readOnlyRootFilesystem: readOnlyRoot,
    runAsNonRoot: true,
  });

  const args = [step, '--config', DEFAULT_CONFIG_PATH];
  const main: V1Container = {
    name: step,
    image: impdp ? spec.import.impdpImage! : spec.steps.runnerImage,
    imagePullPolicy: 'IfNotPresent',
    args,
    resources: STEP_RESOURCES,
    // The controller reads the StepResult from here; if the runner dies before writing it,
    // the last log lines are there instead (and decode as "malformed", not as a hang).
    terminationMessagePolicy: 'FallbackToLogsOnError',
    // The Oracle client writes diagnostics under $ORACLE_BASE: only the runner image is read-only.
    securityContext: containerSecurity(!impdp),
    volumeMounts: mounts,
  };
  const initContainers: V1Container[] = [];
  if (impdp) {
    // The database image has impdp but no Node: copy Node and the app from the runner image
    // (distroless, no shell: Node copies itself). Needs a database image with glibc >= 2.28.
    main.command = [`${RUNNER_COPY_DIR}/nodejs/bin/node`, `${RUNNER_COPY_DIR}/app/dist/cli.js`];
    mounts.push({ name: 'runner', mountPath: RUNNER_COPY_DIR, readOnly: true });
    volumes.push({ name: 'runner', emptyDir: { sizeLimit: '1Gi' } });
    initContainers.push({
      name: 'install-runner',
      image: spec.steps.runnerImage,
      imagePullPolicy: 'IfNotPresent',
      command: [
        `${RUNNER_NODE}/bin/node`,
        '-e',
        `const fs = require('node:fs');` +
          `fs.cpSync('${RUNNER_NODE}', '${RUNNER_COPY_DIR}/nodejs', { recursive: true });` +
          `fs.cpSync('${RUNNER_APP}', '${RUNNER_COPY_DIR}/app', { recursive: true });`,
      ],
      resources: STEP_RESOURCES,
      securityContext: containerSecurity(true),
      volumeMounts: [{ name: 'runner', mountPath: RUNNER_COPY_DIR }],
    });
  }

  const managed = spec.database.managed;
  const affinity = stepAffinity(restore);
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: ownedMetadata(restore, jobName(restore.name, step, attempt), 'step', stepLabels),
    spec: {
      backoffLimit: 0,
      completions: 1,
      parallelism: 1,
      activeDeadlineSeconds: deadlineSeconds(restore, step),
      template: {
        metadata: { labels: { ...restoreLabels(restore.name, 'step'), ...stepLabels } },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          ...(impdp && managed && managed.imagePullSecrets.length > 0
            ? { imagePullSecrets: managed.imagePullSecrets.map((n) => ({ name: n })) }
            : {}),
          securityContext: {
            runAsNonRoot: true,
            runAsUser: uid,
            runAsGroup: uid,
            // The database (uid 54321, group oinstall 54321) must read what the steps write.
            fsGroup: ORACLE_UID,
            fsGroupChangePolicy: 'OnRootMismatch',
            seccompProfile: { type: 'RuntimeDefault' },
          },
          ...(affinity ? { affinity } : {}),
          ...(initContainers.length > 0 ? { initContainers } : {}),
          containers: [main],
          volumes,
        },
      },
    },
  };
}
