// The managed Oracle Database 19c Enterprise Edition: a one-replica StatefulSet with its data
// volume (volumeClaimTemplate), the staging volume at the directory objects' path, and a
// headless Service. Facts from oracle/docker-images: uid 54321, data in /opt/oracle/oradata,
// env read on the first start only, DBCA takes tens of minutes, $ORACLE_BASE/checkDBStatus.sh
// exits 0 when the database is open, a memory limit (or INIT_SGA/PGA_SIZE) is needed. Pure.
import type { V1Probe, V1Service, V1StatefulSet } from '@kubernetes/client-node';
import type { ResolvedAlmaRestore } from '../api/defaults.js';
import { parseQuantity } from '../api/quantity.js';
import { ORACLE_PORT, ORACLE_STAGING_PATH } from './step-config-builder.js';
import type { SizingPlan } from '../api/types.js';
import { databaseSelector, ownedMetadata, restoreLabels } from './meta.js';
import { DATABASE_DATA_VOLUME, databaseName } from './names.js';
import { stagingClaimFor } from './staging.js';

export const ORACLE_UID = 54321;
export const ORACLE_DATA_PATH = '/opt/oracle/oradata';
const STAGING_VOLUME = 'staging';

/** SGA and PGA (MiB) from the memory limit: half for the SGA, a fifth for the PGA, the rest to the OS. */
export function oracleMemory(memoryLimit: string): { sgaMiB: number; pgaMiB: number } {
  const mib = Math.floor(parseQuantity(memoryLimit) / 2 ** 20);
  return { sgaMiB: Math.floor(mib * 0.5), pgaMiB: Math.floor(mib * 0.2) };
}

const checkDbStatus = (periodSeconds: number, failureThreshold: number): V1Probe => ({
  exec: { command: ['/bin/sh', '-c', '"$ORACLE_BASE/checkDBStatus.sh"'] },
  periodSeconds,
  timeoutSeconds: 60,
  failureThreshold,
});

export function buildDatabaseService(restore: ResolvedAlmaRestore): V1Service | undefined {
  if (!restore.spec.database.managed) return undefined;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: ownedMetadata(restore, databaseName(restore.name), 'database'),
    spec: {
      clusterIP: 'None',
      selector: databaseSelector(restore.name),
      ports: [{ name: 'oracle', port: ORACLE_PORT, targetPort: ORACLE_PORT, protocol: 'TCP' }],
    },
  };
}

export function buildDatabaseStatefulSet(
  restore: ResolvedAlmaRestore,
  plan: SizingPlan,
): V1StatefulSet | undefined {
  const managed = restore.spec.database.managed;
  if (!managed) return undefined;
  const name = databaseName(restore.name);
  const { sgaMiB, pgaMiB } = oracleMemory(managed.resources.limits.memory);
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: ownedMetadata(restore, name, 'database'),
    spec: {
      serviceName: name,
      replicas: 1,
      selector: { matchLabels: databaseSelector(restore.name) },
      // Retention: Delete lets the garbage collector remove the data volume with the AlmaRestore.
      persistentVolumeClaimRetentionPolicy: {
        whenDeleted: restore.spec.retention.onDelete,
        whenScaled: 'Retain',
      },
      template: {
        metadata: { labels: restoreLabels(restore.name, 'database') },
        spec: {
          ...(managed.imagePullSecrets.length > 0
            ? { imagePullSecrets: managed.imagePullSecrets.map((n) => ({ name: n })) }
            : {}),
          securityContext: {
            runAsUser: ORACLE_UID,
            runAsGroup: ORACLE_UID,
            fsGroup: ORACLE_UID,
            fsGroupChangePolicy: 'OnRootMismatch',
            runAsNonRoot: true,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          // SHUTDOWN IMMEDIATE of a busy database takes a while.
          terminationGracePeriodSeconds: 300,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          containers: [
            {
              name: 'oracle',
              image: managed.image,
              env: [
                { name: 'ORACLE_SID', value: managed.sid },
                { name: 'ORACLE_PDB', value: managed.pdb },
                { name: 'ORACLE_CHARACTERSET', value: managed.characterSet },
                {
                  name: 'ORACLE_PWD',
                  valueFrom: { secretKeyRef: { name: managed.adminPasswordSecret, key: 'password' } },
                },
                { name: 'ENABLE_ARCHIVELOG', value: 'false' },
                { name: 'INIT_SGA_SIZE', value: String(sgaMiB) },
                { name: 'INIT_PGA_SIZE', value: String(pgaMiB) },
              ],
              ports: [{ name: 'oracle', containerPort: ORACLE_PORT, protocol: 'TCP' }],
              resources: {
                ...(Object.keys(managed.resources.requests).length > 0
                  ? { requests: { ...managed.resources.requests } }
                  : {}),
                limits: { ...managed.resources.limits },
              },
              securityContext: {
                allowPrivilegeEscalation: false,
                capabilities: { drop: ['ALL'] },
              },
              // DBCA's first start takes tens of minutes: allow 2 hours before the kubelet gives up.
              startupProbe: checkDbStatus(30, 240),
              readinessProbe: checkDbStatus(30, 3),
              volumeMounts: [
                { name: DATABASE_DATA_VOLUME, mountPath: ORACLE_DATA_PATH },
                { name: STAGING_VOLUME, mountPath: ORACLE_STAGING_PATH },
              ],
            },
          ],
          volumes: [{ name: STAGING_VOLUME, persistentVolumeClaim: { claimName: stagingClaimFor(restore) } }],
        },
      },
      volumeClaimTemplates: [
        {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: { name: DATABASE_DATA_VOLUME, labels: restoreLabels(restore.name, 'database') },
          spec: {
            accessModes: ['ReadWriteOnce'],
            resources: { requests: { storage: plan.databaseSize } },
            ...(managed.storageClassName ? { storageClassName: managed.storageClassName } : {}),
            volumeMode: 'Filesystem',
          },
        },
      ],
    },
  };
}
