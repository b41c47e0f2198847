// Deterministic names of everything an AlmaRestore owns. The CRD caps metadata.name at 40
// characters, so every name here stays within the 63-character label/DNS limits
// (<40>-import-999 = 51; the StatefulSet's pods and revision hashes fit too). Pure.
import type { StepName } from '../contract/result.js';

export const stagingClaimName = (restore: string) => `${restore}-staging`;
/** The StatefulSet and its headless Service share this name. */
export const databaseName = (restore: string) => `${restore}-db`;
export const DATABASE_DATA_VOLUME = 'oradata';
/** The PVC the StatefulSet's volumeClaimTemplate creates for its only pod. */
export const databaseDataClaimName = (restore: string) =>
  `${DATABASE_DATA_VOLUME}-${databaseName(restore)}-0`;
export const databasePodName = (restore: string) => `${databaseName(restore)}-0`;
export const configMapName = (restore: string) => `${restore}-config`;
export const jobName = (restore: string, step: StepName, attempt: number) => `${restore}-${step}-${attempt}`;
