// The sizing plan, from the bib record counts. The vendor's figures: about 150 GB of disk per
// million bib records per institution in total, about 70 of them for the untarred dump files
// (the staging volume) and about 70 for the loaded data; the tablespace must be at least 20%
// larger than the data. Here: total = bibs x gibPerMillionBibs; staging = total x stagingFraction
// (0.47 ~ 70/150); each institution's tablespace = its share of the rest (80 of 150 GiB per
// million, i.e. ~66 GiB of data plus the 20% headroom); the database volume = the tablespaces +
// a fixed allowance for SYSTEM, SYSAUX, UNDO, TEMP and redo. Every volume >= minimumSize;
// explicit sizes win, with a warning when they look too small. Pure.
import type { ResolvedSpec } from './defaults.js';
import { GiB, ceilToGiB, formatGiB, parseQuantity } from './quantity.js';
import { describeEstimate, sizingFromHistory } from './sizing-history.js';
import type { InstitutionPlan, RestoreHistory, SizingPlan } from './types.js';

/** The vendor: "USERS tablespace must be at least 20% larger than required minimum tablespace size". */
export const TABLESPACE_HEADROOM = 1.2;
/** SYSTEM + SYSAUX + UNDO + TEMP + 5 redo groups of 512M, rounded up generously. */
export const DATABASE_OVERHEAD_BYTES = 16 * GiB;
/** A tablespace is never planned below this. */
export const MIN_TABLESPACE_BYTES = GiB;

const perMillion = (bibs: number, gib: number) => (bibs / 1_000_000) * gib * GiB;

/** The estimated size of one institution's data once loaded (its tablespace without headroom). */
export function estimatedDataBytes(bibRecords: number, spec: Pick<ResolvedSpec, 'storage'>): number {
  const { gibPerMillionBibs, stagingFraction } = spec.storage;
  return perMillion(bibRecords, gibPerMillionBibs * (1 - stagingFraction)) / TABLESPACE_HEADROOM;
}

export function planSizing(spec: ResolvedSpec, history: RestoreHistory[] = []): SizingPlan {
  const { storage } = spec;
  const minimum = parseQuantity(storage.minimumSize);
  const warnings: string[] = [];
  const learnt = sizingFromHistory(spec.institutions, history);
  const vendorRule = `vendor rule: ${storage.gibPerMillionBibs} GiB per million bib records`;
  const fromHistory = `measured in ${learnt.sources.join(', ')}, scaled by bib records`;

  const institutions: InstitutionPlan[] = spec.institutions.map((inst) => {
    // = estimatedDataBytes x TABLESPACE_HEADROOM, computed without the round trip through 1.2.
    const share = perMillion(inst.bibRecords, storage.gibPerMillionBibs * (1 - storage.stagingFraction));
    const bytes = Math.max(
      MIN_TABLESPACE_BYTES,
      learnt.tablespaceBytes.get(inst.institutionId) ?? ceilToGiB(share),
    );
    return {
      institutionId: inst.institutionId,
      bibRecords: inst.bibRecords,
      schema: inst.schema,
      tablespace: inst.tablespace,
      tablespaceSize: formatGiB(bytes),
      tablespaceBytes: bytes,
    };
  });
  const totalBibRecords = spec.institutions.reduce((n, i) => n + i.bibRecords, 0);

  const computedStaging = Math.max(
    minimum,
    learnt.stagingBytes ??
      ceilToGiB(perMillion(totalBibRecords, storage.gibPerMillionBibs * storage.stagingFraction)),
  );
  const computedDatabase = Math.max(
    minimum,
    institutions.reduce((n, i) => n + i.tablespaceBytes, 0) + DATABASE_OVERHEAD_BYTES,
  );

  const staging = storage.stagingSize ? parseQuantity(storage.stagingSize) : computedStaging;
  if (staging < computedStaging)
    warnings.push(
      `storage.stagingSize ${storage.stagingSize} is below the ${formatGiB(computedStaging)} planned for ${totalBibRecords} bib records: the fetch step may run out of space`,
    );
  const database = storage.databaseSize ? parseQuantity(storage.databaseSize) : computedDatabase;
  if (spec.database.managed && database < computedDatabase)
    warnings.push(
      `storage.databaseSize ${storage.databaseSize} is below the ${formatGiB(computedDatabase)} planned (tablespaces plus ${formatGiB(DATABASE_OVERHEAD_BYTES)} for SYSTEM, SYSAUX, UNDO, TEMP and redo): the import may run out of space`,
    );

  return {
    totalBibRecords,
    institutionIds: spec.institutions.map((i) => i.institutionId).join(','),
    stagingSize: storage.stagingSize ?? formatGiB(staging),
    stagingBytes: Math.round(staging),
    databaseSize: storage.databaseSize ?? formatGiB(database),
    databaseBytes: Math.round(database),
    institutions,
    ...(warnings.length > 0 ? { warnings } : {}),
    ...(learnt.sources.length > 0
      ? {
          basis: {
            staging: storage.stagingSize
              ? 'storage.stagingSize'
              : learnt.stagingBytes !== undefined
                ? fromHistory
                : vendorRule,
            tablespaces:
              learnt.tablespaceBytes.size === spec.institutions.length
                ? fromHistory
                : learnt.tablespaceBytes.size > 0
                  ? `${fromHistory} (institutions ${[...learnt.tablespaceBytes.keys()].join(', ')}); the others: ${vendorRule}`
                  : vendorRule,
            ...(learnt.importSeconds !== undefined ? { importTime: fromHistory } : {}),
          },
        }
      : {}),
    ...(learnt.importSeconds !== undefined
      ? {
          importEstimate: {
            seconds: learnt.importSeconds,
            text: describeEstimate(learnt.importSeconds, learnt.sources),
          },
        }
      : {}),
  };
}
