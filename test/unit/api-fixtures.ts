// Shared fixtures of the api-* and resources-* unit tests.
import { resolveAlmaRestore, type ResolvedAlmaRestore } from '../../src/api/defaults.js';
import type { AlmaRestore, AlmaRestoreSpec } from '../../src/api/types.js';

export function minimalSpec(): AlmaRestoreSpec {
  return {
    customerId: '3975',
    institutions: [{ institutionId: '3978', bibRecords: 1_000_000 }],
    source: { sftp: { host: 'sftp.example.edu', credentialsSecret: 'sftp' } },
    database: {
      managed: { image: 'oracle/database:19.3.0-ee', adminPasswordSecret: 'db-admin' },
      schemaPasswordSecret: 'schema',
    },
  };
}

export function existingSpec(): AlmaRestoreSpec {
  const spec = minimalSpec();
  spec.database = {
    existing: {
      connectString: 'db.example.edu:1521/ALMAPDB',
      adminCredentialsSecret: 'db-admin',
      stagingClaimName: 'alma-nfs',
      stagingPath: '/exlibris/import',
    },
    schemaPasswordSecret: 'schema',
  };
  return spec;
}

export function almaRestore(spec: AlmaRestoreSpec = minimalSpec(), name = 'q3'): AlmaRestore {
  return {
    apiVersion: 'almarestore.io/v1alpha1',
    kind: 'AlmaRestore',
    metadata: { name, namespace: 'library', uid: '1b4e28ba-2fa1-11d2-883f-0016d3cca427', generation: 1 },
    spec,
  };
}

export function resolved(spec: AlmaRestoreSpec = minimalSpec(), name = 'q3'): ResolvedAlmaRestore {
  return resolveAlmaRestore(almaRestore(spec, name), { runnerImage: 'registry.example.edu/alma/runner:1' });
}
