// AlmaRestore objects and step results for controller tests.
import * as k8s from '@kubernetes/client-node';
import {
  API_VERSION,
  GROUP,
  KIND,
  PLURAL,
  VERSION,
  type AlmaRestore,
  type AlmaRestoreSpec,
} from '../../src/api/types.js';
import type { StepName, StepOutcome } from '../../src/contract/result.js';
import { waitFor } from './control-plane.js';

export function managedRestore(name: string, spec: Partial<AlmaRestoreSpec> = {}): AlmaRestore {
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: { name },
    spec: {
      customerId: '3975',
      institutions: [{ institutionId: '3978', bibRecords: 1_000_000 }],
      source: { sftp: { host: 'sftp.example.edu', credentialsSecret: 'alma-sftp' } },
      database: {
        managed: {
          image: 'container-registry.oracle.com/database/enterprise:19.3.0.0',
          adminPasswordSecret: 'oracle-admin',
          resources: { limits: { memory: '8Gi' } },
        },
        schemaPasswordSecret: 'alma-schema',
      },
      ...spec,
    },
  };
}

export function existingRestore(name: string, connectString = 'db.example.edu:1521/ALMAPDB'): AlmaRestore {
  return managedRestore(name, {
    database: {
      existing: {
        connectString,
        adminCredentialsSecret: 'oracle-admin',
        stagingClaimName: 'dumps',
        stagingPath: '/u01/import_alma_backup',
      },
      schemaPasswordSecret: 'alma-schema',
    },
  });
}

/** The Secrets the sample restores reference, with every key the controller checks for. */
export async function createRestoreSecrets(kc: k8s.KubeConfig, namespace: string): Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const secrets: Record<string, Record<string, string>> = {
    'alma-sftp': {
      username: 'alma',
      password: 'sftp-pw',
      knownHosts: 'sftp.example.edu ssh-ed25519 AAAAC3Nz',
    },
    'oracle-admin': { username: 'SYSTEM', password: 'Adm1n-pw' },
    'alma-schema': { password: 'Schema-pw1' },
  };
  for (const [name, stringData] of Object.entries(secrets)) {
    await core.createNamespacedSecret({ namespace, body: { metadata: { name }, stringData } });
  }
}

export function stepResult(
  step: StepName,
  outcome: StepOutcome = 'Succeeded',
  summary: Record<string, unknown> = {},
) {
  return JSON.stringify({
    version: 1,
    step,
    outcome,
    reason: outcome === 'Failed' ? 'BadDelivery' : `${step[0]!.toUpperCase()}${step.slice(1)}Done`,
    message: outcome === 'Failed' ? `${step} found a problem: part 3 of 4 is missing` : `${step} done`,
    summary,
  });
}

export class RestoreClient {
  private readonly custom: k8s.CustomObjectsApi;
  constructor(
    kc: k8s.KubeConfig,
    readonly namespace: string,
  ) {
    this.custom = kc.makeApiClient(k8s.CustomObjectsApi);
  }

  private base() {
    return { group: GROUP, version: VERSION, namespace: this.namespace, plural: PLURAL };
  }

  async create(restore: AlmaRestore): Promise<AlmaRestore> {
    return (await this.custom.createNamespacedCustomObject({ ...this.base(), body: restore })) as AlmaRestore;
  }

  async get(name: string): Promise<AlmaRestore> {
    return (await this.custom.getNamespacedCustomObject({ ...this.base(), name })) as AlmaRestore;
  }

  async patch(name: string, body: object): Promise<AlmaRestore> {
    return (await this.custom.patchNamespacedCustomObject(
      { ...this.base(), name, body },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    )) as AlmaRestore;
  }

  async delete(name: string): Promise<void> {
    await this.custom.deleteNamespacedCustomObject({ ...this.base(), name });
  }

  async waitForPhase(name: string, phase: string, timeoutMs = 60_000): Promise<AlmaRestore> {
    let last: AlmaRestore | undefined;
    await waitFor(
      `${name} to reach phase ${phase}`,
      async () => {
        last = await this.get(name);
        return last.status?.phase === phase;
      },
      timeoutMs,
    ).catch((err: Error) => {
      throw new Error(
        `${err.message} (last phase ${last?.status?.phase}: ${last?.status?.progressMessage})`,
        { cause: err },
      );
    });
    return last!;
  }
}
