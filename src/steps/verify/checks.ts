// The POST_IMPORT checks for one institution, each as {name, passed, observed, expected, action}
// plus a severity: a failed "error" check fails the restore, a failed "warning" one makes it
// SucceededWithWarnings. Where the vendor's script repairs (recompile, rebuild, disable policies),
// the check counts, repairs when allowed, and counts again.
import { errorMessage } from '../../errors.js';
import type { Dictionary } from '../../oracle/dictionary.js';
import type { VerificationCheck } from '../../api/types.js';
import type { StepConfig } from '../../contract/step-config.js';

export interface VerifyCheck extends VerificationCheck {
  severity: 'error' | 'warning';
}

export interface InstitutionTarget {
  institutionId: string;
  schema: string;
  /** From the import report; undefined when it does not say. */
  importedTables: number | undefined;
  importReportNote?: string;
}

const list = (items: string[], max = 5) =>
  items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;

/** How many checks institutionChecks makes (each guarded() below), for "checks done of total". */
export const CHECKS_PER_INSTITUTION = 7;

export async function institutionChecks(
  dict: Dictionary,
  t: InstitutionTarget,
  post: StepConfig['postImport'],
  degree: number,
  /** Called after each check, for live progress. */
  onCheck: (check: VerifyCheck) => void = () => undefined,
): Promise<VerifyCheck[]> {
  const checks: VerifyCheck[] = [];
  const s = t.schema;
  const guarded = async (
    name: string,
    severity: 'error' | 'warning',
    expected: string,
    fn: () => Promise<VerifyCheck>,
  ) => {
    try {
      checks.push(await fn());
    } catch (err) {
      checks.push({
        name,
        severity,
        passed: false,
        expected,
        observed: `check failed: ${errorMessage(err)}`,
      });
    }
    onCheck(checks.at(-1)!);
  };

  await guarded('tablesImported', 'error', 'every imported table in the schema', async () => {
    const inSchema = (await dict.tableNames(s)).length;
    if (t.importedTables === undefined) {
      return {
        name: 'tablesImported',
        severity: inSchema > 0 ? 'warning' : 'error',
        passed: false,
        observed: `${inSchema} table(s) in ${s}; the import report ${t.importReportNote ?? 'does not give a count'}`,
        expected: 'the import report to give the count of imported tables',
      };
    }
    return {
      name: 'tablesImported',
      severity: 'error',
      passed: inSchema >= t.importedTables && inSchema > 0,
      observed: `${inSchema} table(s) in ${s}, ${t.importedTables} imported`,
      expected: `at least ${Math.max(1, t.importedTables)} table(s)`,
    };
  });

  await guarded('invalidObjects', 'warning', 'no invalid object', async () => {
    const before = await dict.invalidObjects(s);
    let action: string | undefined;
    let after = before;
    if (before.length > 0 && post.recompileInvalid) {
      await dict.compileSchema(s);
      after = await dict.invalidObjects(s);
      action = `DBMS_UTILITY.COMPILE_SCHEMA: ${before.length - after.length} of ${before.length} now valid`;
    }
    return {
      name: 'invalidObjects',
      severity: 'warning',
      passed: after.length === 0,
      observed:
        after.length === 0
          ? `${before.length} invalid before, none now`
          : `${after.length} invalid: ${list(after.map((o) => `${o.type} ${o.name}`))}`,
      expected: 'none',
      ...(action
        ? { action }
        : before.length > 0
          ? { action: 'not recompiled (postImport.recompileInvalid is false)' }
          : {}),
    };
  });

  await guarded('constraints', 'warning', 'none disabled or not validated', async () => {
    const bad = await dict.problemConstraints(s);
    return {
      name: 'constraints',
      severity: 'warning',
      passed: bad.length === 0,
      observed:
        bad.length === 0
          ? 'all enabled and validated'
          : `${bad.length}: ${list(bad.map((c) => `${c.table}.${c.name} ${c.status}/${c.validated}`))}`,
      expected: 'none disabled or not validated',
    };
  });

  await guarded('unusableIndexes', 'warning', 'no unusable index or index partition', async () => {
    const before = await dict.unusableIndexes(s);
    const failures: string[] = [];
    let after = before;
    if (before.length > 0 && post.rebuildUnusableIndexes) {
      for (const ix of before) {
        try {
          await dict.rebuildIndex(s, ix);
        } catch (err) {
          failures.push(
            `${ix.index}${ix.partition ? `:${ix.partition}` : ''}: ${errorMessage(err).split('\n')[0]}`,
          );
        }
      }
      after = await dict.unusableIndexes(s);
    }
    const name = (i: { index: string; partition?: string; subpartition?: string }) =>
      [i.index, i.partition, i.subpartition].filter(Boolean).join(':');
    return {
      name: 'unusableIndexes',
      severity: 'warning',
      passed: after.length === 0,
      observed:
        after.length === 0
          ? `${before.length} unusable before, none now`
          : `${after.length} unusable: ${list(after.map(name))}`,
      expected: 'none',
      ...(before.length > 0
        ? {
            action: post.rebuildUnusableIndexes
              ? `rebuilt ${before.length - failures.length} of ${before.length}${failures.length ? `; failed: ${list(failures, 3)}` : ''}`
              : 'not rebuilt (postImport.rebuildUnusableIndexes is false)',
          }
        : {}),
    };
  });

  await guarded('partitions', 'warning', 'none (the vendor expects none)', async () => {
    const parts = await dict.tablePartitions(s);
    const tables = [...new Set(parts.map((p) => p.table))];
    return {
      name: 'partitions',
      severity: 'warning',
      passed: parts.length === 0,
      observed:
        parts.length === 0
          ? 'none'
          : `${parts.length} partition(s) on ${tables.length} table(s): ${list(tables)}`,
      expected: 'none (the vendor expects none)',
    };
  });

  await guarded('vpdPolicies', 'warning', 'no enabled policy', async () => {
    const enabled = (await dict.policies(s)).filter((p) => p.enabled);
    let left = enabled;
    let action: string | undefined;
    if (enabled.length > 0 && post.disableVpdPolicies) {
      for (const p of enabled) await dict.disablePolicy(s, p);
      left = (await dict.policies(s)).filter((p) => p.enabled);
      const groups = new Set(
        enabled.filter((p) => p.policyGroup !== 'SYS_DEFAULT').map((p) => p.policyGroup),
      );
      action = `disabled ${enabled.length - left.length} polic(ies)${groups.size ? ` incl. groups ${[...groups].join(', ')}` : ''}`;
    } else if (enabled.length > 0) {
      action = 'left enabled (postImport.disableVpdPolicies is false)';
    }
    return {
      name: 'vpdPolicies',
      severity: 'warning',
      passed: left.length === 0,
      observed:
        left.length === 0
          ? `${enabled.length} enabled before, none now`
          : `${left.length} enabled: ${list(left.map((p) => `${p.object}/${p.policyGroup}/${p.policy}`))}`,
      expected: 'none enabled (rows would be hidden by policy functions the restore lacks)',
      ...(action ? { action } : {}),
    };
  });

  await guarded('statistics', 'warning', 'statistics on every table', async () => {
    let action: string | undefined;
    if (post.gatherStatistics) {
      await dict.gatherSchemaStats(s, degree);
      action = `DBMS_STATS.GATHER_SCHEMA_STATS degree ${degree}`;
    }
    const st = await dict.statistics(s);
    return {
      name: 'statistics',
      severity: 'warning',
      passed: st.neverAnalyzed === 0 && st.stale === 0,
      observed: `${st.tables} table(s): ${st.neverAnalyzed} never analysed, ${st.stale} stale`,
      expected: 'every table analysed, none stale',
      ...(action ? { action } : { action: 'not gathered (postImport.gatherStatistics is false)' }),
    };
  });

  return checks;
}
