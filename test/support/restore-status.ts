// Statuses that earlier restores leave behind, for the tests of planning from history and of the
// inventory against a baseline (the pure history test and the controller's). Pure data.
import { GiB } from '../../src/api/quantity.js';
import type { AlmaRestoreStatus, InventoryAreaStatus } from '../../src/api/types.js';

/**
 * A Succeeded restore of institution 3978 as the controller leaves it: 60 GiB extracted, an
 * import of 5 h (00:00 to 05:00 on 2026-09-01), USERS 70% of 100 GiB, and the inventory it
 * counted (`areas`, exact).
 */
export function succeededStatus(completionTime: string, areas: InventoryAreaStatus[]): AlmaRestoreStatus {
  return {
    phase: 'Succeeded',
    completionTime,
    inventory: [{ institutionId: '3978', exact: true, areas }],
    steps: {
      fetch: {
        phase: 'Succeeded',
        attempt: 1,
        summary: { institutions: [{ id: '3978', extractedBytes: 60 * GiB }] },
      },
      import: {
        phase: 'Succeeded',
        attempt: 1,
        startTime: '2026-09-01T00:00:00Z',
        completionTime: '2026-09-01T05:00:00Z',
      },
    },
    tablespaces: [
      {
        institutionId: '3978',
        tablespace: 'USERS',
        usedRatio: 0.7,
        usedBytes: 50 * GiB,
        allocatedBytes: 70 * GiB,
        maxBytes: 100 * GiB,
      },
    ],
  };
}

/** A restore Failed at fetch on a host key that is not pinned (what `status` explains). */
export function hostKeyRejectedStatus(name: string): AlmaRestoreStatus {
  return {
    phase: 'Failed',
    failedStep: 'fetch',
    progress: 10,
    steps: {
      fetch: {
        phase: 'Failed',
        jobName: `${name}-fetch-1`,
        attempt: 1,
        reason: 'HostKeyRejected',
        message: 'SFTP host key for sftp.example.edu:22 does not match the pinned SHA256:abc',
      },
    },
  };
}
