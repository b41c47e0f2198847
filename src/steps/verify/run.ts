// The verify step: per institution, the POST_IMPORT checks (checks.ts) and the delivered
// POST_IMPORT.sh (vendor-script.ts); the outcome (Succeeded / SucceededWithWarnings / Failed),
// a readable summary, status.verification entries small enough for the termination message,
// and the optional webhook.
import type { Logger } from 'pino';
import type { VerificationCheck } from '../../api/types.js';
import { errorMessage } from '../../errors.js';
import type { DictionarySession } from '../../oracle/dictionary.js';
import type { InventorySession } from '../../oracle/inventory.js';
import { institutionLayout, type StepConfig } from '../../contract/step-config.js';
import type { StepOutcome, StepResult } from '../../contract/result.js';
import { progressFields } from '../../contract/progress-record.js';
import { CHECKS_PER_INSTITUTION, institutionChecks, type VerifyCheck } from './checks.js';
import { inventoryFigures, takeInventory, type InstitutionInventory } from './inventory.js';
import { inventoryChecks } from './inventory-checks.js';
import { compactInventory } from './inventory-summary.js';
import { importedTables, readImportReport } from './import-report.js';
import { runVendorScript, type VendorScriptResult } from './vendor-script.js';
import { postWebhook, type WebhookOutcome } from './webhook.js';

export interface VerifyDeps {
  openPdb: () => Promise<DictionarySession>;
  /** The data inventory's reader (a connection of its own); without it there is no inventory. */
  openInventory?: () => Promise<InventorySession>;
  logger: Logger;
  /** Secrets to scrub from the vendor script's output. */
  secrets?: string[];
  /** PATH for the vendor script (tests). */
  envPath?: string;
  webhookTimeoutMs?: number;
}

export interface VerifyReport {
  institutions: {
    institutionId: string;
    schema: string;
    checks: VerifyCheck[];
    vendorScript?: VendorScriptResult;
    inventory?: InstitutionInventory;
  }[];
  webhook?: WebhookOutcome;
}

const SUMMARY_BUDGET = 3000;
/** The verification summary never shrinks below this, however many institutions the inventory lists. */
const MIN_VERIFICATION_BUDGET = 1200;

/** status.verification, shrunk until the termination message fits: long texts, then passed checks' details, then passed checks. */
export function compactVerification(
  report: VerifyReport,
  budget = SUMMARY_BUDGET,
): { institutionId: string; checks: VerificationCheck[] }[] {
  const clip = (s: string | undefined, n: number) => (s && s.length > n ? `${s.slice(0, n - 1)}…` : s);
  const shape = (level: number) =>
    report.institutions.map((i) => ({
      institutionId: i.institutionId,
      checks: i.checks
        .filter((c) => level < 3 || !c.passed)
        .map((c): VerificationCheck => {
          if (c.passed && level >= 2) return { name: c.name, passed: true };
          const out: VerificationCheck = { name: c.name, passed: c.passed };
          const n = level === 0 ? 160 : 80;
          if (c.observed) out.observed = clip(c.observed, n)!;
          if (c.expected && level === 0) out.expected = clip(c.expected, n)!;
          if (c.action) out.action = clip(c.action, n)!;
          return out;
        }),
    }));
  for (let level = 0; level < 4; level += 1) {
    const v = shape(level);
    if (Buffer.byteLength(JSON.stringify(v)) <= budget || level === 3) return v;
  }
  return shape(3);
}

export function decideOutcome(report: VerifyReport): {
  outcome: StepOutcome;
  reason: string;
  message: string;
} {
  const failed = report.institutions.flatMap((i) => i.checks.filter((c) => !c.passed).map((c) => ({ i, c })));
  const errors = failed.filter((f) => f.c.severity === 'error');
  const total = report.institutions.reduce((n, i) => n + i.checks.length, 0);
  const describe = (f: { i: { institutionId: string }; c: VerifyCheck }) =>
    `${f.i.institutionId}/${f.c.name}: ${f.c.observed ?? 'failed'}`;
  if (errors.length > 0) {
    return {
      outcome: 'Failed',
      reason: 'VerificationFailed',
      message: `${errors.length} of ${total} checks failed: ${errors.slice(0, 3).map(describe).join('; ')}`,
    };
  }
  if (failed.length > 0) {
    return {
      outcome: 'SucceededWithWarnings',
      reason: 'VerifiedWithWarnings',
      message: `${total - failed.length} of ${total} checks passed; warnings: ${failed.slice(0, 3).map(describe).join('; ')}${failed.length > 3 ? ` and ${failed.length - 3} more` : ''}`,
    };
  }
  return {
    outcome: 'Succeeded',
    reason: 'Verified',
    message: `all ${total} checks passed for ${report.institutions.length} institution(s)`,
  };
}

export async function runVerify(
  config: StepConfig,
  deps: VerifyDeps,
): Promise<{ result: StepResult; report: VerifyReport }> {
  const log = deps.logger;
  const report: VerifyReport = { institutions: [] };
  const first = config.institutions[0];
  const importReport = first ? await readImportReport(institutionLayout(config, first).reportDir) : undefined;
  const degree = typeof config.import.parallelism === 'number' ? config.import.parallelism : 4;
  const tolerances = config.postImport.inventory ?? { bibRecordsTolerance: 0.1, dropTolerance: 0.02 };
  const dict = await deps.openPdb();
  const inventories = deps.openInventory
    ? await deps.openInventory().catch(async (err: unknown) => {
        await dict.close();
        throw err;
      })
    : undefined;
  // Each institution: its dictionary checks, the vendor script, and the inventory when taken.
  const total = config.institutions.length * (CHECKS_PER_INSTITUTION + 1 + (inventories ? 1 : 0));
  let done = 0;
  const checked = (what: string) => {
    done++;
    log.info(
      progressFields({
        stage: 'Checking',
        message: `${done} of ${total} check(s) done (last: ${what})`,
        fraction: Math.min(1, done / total),
        done,
        total,
        unit: 'checks',
      }),
      'progress',
    );
  };
  try {
    for (const inst of config.institutions) {
      const layout = institutionLayout(config, inst);
      const schema = inst.schema.toUpperCase();
      const imported =
        importReport?.ok === true
          ? importedTables(importReport.doc, inst.institutionId, config.institutions.length === 1)
          : undefined;
      const checks = await institutionChecks(
        dict,
        {
          institutionId: inst.institutionId,
          schema,
          importedTables: imported,
          importReportNote:
            importReport && !importReport.ok ? `${importReport.path} is ${importReport.error}` : undefined,
        },
        config.postImport,
        degree,
        (c) => checked(`${inst.institutionId}/${c.name}`),
      );
      const vendor = await runVendorScript(layout.scriptsDir, {
        enabled: config.postImport.runVendorScript,
        secrets: deps.secrets ?? [],
        ...(deps.envPath ? { envPath: deps.envPath } : {}),
      });
      const ranClean =
        vendor.state === 'ran' && vendor.exitCode === 0 && (vendor.oraErrors?.length ?? 0) === 0;
      checks.push({
        name: 'vendorScript',
        severity: 'warning',
        passed: vendor.state === 'absent' || vendor.state === 'skipped' || ranClean,
        observed: vendor.detail,
        expected: 'POST_IMPORT.sh, when delivered, runs without error',
        ...(vendor.state === 'ran' ? { action: 'ran POST_IMPORT.sh' } : {}),
      });
      checked(`${inst.institutionId}/vendorScript`);
      const inventory = inventories ? await takeInventory(inventories, schema, degree) : undefined;
      if (inventory) {
        checks.push(...inventoryChecks(inventory, inst.bibRecords, tolerances, inst.previous));
        log.info(
          {
            institution: inst.institutionId,
            seconds: inventory.seconds,
            figures: inventoryFigures(inventory),
          },
          'inventory',
        );
        checked(`${inst.institutionId}/inventory`);
      }
      for (const c of checks) log.info({ institution: inst.institutionId, ...c }, `check ${c.name}`);
      report.institutions.push({
        institutionId: inst.institutionId,
        schema,
        checks,
        vendorScript: vendor,
        ...(inventory ? { inventory } : {}),
      });
    }
  } finally {
    await Promise.all([dict.close(), inventories?.close()]);
  }

  const verdict = decideOutcome(report);
  const inventory = compactInventory(report);
  const verificationBudget = Math.max(
    MIN_VERIFICATION_BUDGET,
    SUMMARY_BUDGET - (inventory ? Buffer.byteLength(JSON.stringify(inventory)) : 0),
  );
  if (config.postImport.webhookUrlFile) {
    report.webhook = await postWebhook(
      config.postImport.webhookUrlFile,
      {
        restore: config.restore,
        outcome: verdict.outcome,
        reason: verdict.reason,
        message: verdict.message,
        verification: compactVerification(report),
        ...(inventory ? { inventory } : {}),
      },
      deps.webhookTimeoutMs ? { timeoutMs: deps.webhookTimeoutMs } : {},
    ).catch((err: unknown) => ({ sent: false as const, error: errorMessage(err) }));
    if (!report.webhook.sent) log.warn({ error: report.webhook.error }, 'webhook notification failed');
  }
  return {
    report,
    result: {
      version: 1,
      step: 'verify',
      ...verdict,
      summary: {
        verification: compactVerification(report, verificationBudget),
        ...(inventory ? { inventory } : {}),
        ...(report.webhook ? { webhook: report.webhook.sent ? 'sent' : report.webhook.error } : {}),
      },
    },
  };
}
