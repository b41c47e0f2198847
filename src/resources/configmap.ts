// The step ConfigMap: restore.json (the StepConfig every step Job reads) and the managed
// database's admin user name, which the Job builder projects next to the password Secret. Pure.
import type { V1ConfigMap } from '@kubernetes/client-node';
import type { ResolvedAlmaRestore } from '../api/defaults.js';
import { MANAGED_ADMIN_USER } from './step-config-builder.js';
import type { StepConfig } from '../contract/step-config.js';
import { ownedMetadata } from './meta.js';
import { configMapName } from './names.js';

export const CONFIG_KEY = 'restore.json';
export const ADMIN_USER_KEY = 'db-admin-username';

export function buildStepConfigMap(restore: ResolvedAlmaRestore, config: StepConfig): V1ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: ownedMetadata(restore, configMapName(restore.name), 'config'),
    data: {
      [CONFIG_KEY]: `${JSON.stringify(config, null, 2)}\n`,
      ...(restore.spec.database.managed ? { [ADMIN_USER_KEY]: MANAGED_ADMIN_USER } : {}),
    },
  };
}
