// `alma-restore plan -f manifest.yaml`: offline, prints the sizing and every resource the
// controller would create for each AlmaRestore in the file, as YAML; an invalid manifest gets the
// API server's own messages and exit code 2. Other documents (the Secrets) are skipped.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import YAML from 'yaml';
import { UserFacingError } from '../errors.js';
import { allResources } from '../resources/index.js';
import { DEFAULT_RUNNER_IMAGE, resolveAlmaRestore } from './defaults.js';
import { formatGiB } from './quantity.js';
import { planSizing } from './sizing.js';
import { KIND, type AlmaRestore, type SizingPlan } from './types.js';
import { validateAlmaRestore } from './validation.js';

export interface PlanOptions {
  /** Shown in messages. */
  source: string;
  runnerImage: string;
  /** For manifests without metadata.namespace. */
  namespace: string;
}

export type PlanOutput = { ok: true; yaml: string } | { ok: false; errors: string[] };

function sizingComment(ar: AlmaRestore, plan: SizingPlan): string {
  const lines = [
    `alma-restore plan for ${ar.metadata.namespace}/${ar.metadata.name} (offline: uids are placeholders)`,
    `${plan.institutions.length} institution(s), ${plan.totalBibRecords} bib records`,
    `  staging volume   ${plan.stagingSize} (dump files${ar.spec.database.existing ? `; on your claim ${ar.spec.database.existing.stagingClaimName}` : ''})`,
    ar.spec.database.managed
      ? `  database volume  ${plan.databaseSize}`
      : `  database         existing (${ar.spec.database.existing?.connectString}); it needs room for the tablespaces below`,
    ...plan.institutions.map(
      (i) =>
        `  institution ${i.institutionId}: schema ${i.schema}, tablespace ${i.tablespace} ${i.tablespaceSize} (${formatGiB(i.tablespaceBytes / 1.2)} of data + 20% headroom)`,
    ),
    ...(plan.warnings ?? []).map((w) => `WARNING: ${w}`),
  ];
  return lines.map((l) => `# ${l}`).join('\n');
}

/** The whole command without I/O: manifest text in, YAML or the API server's errors out. */
export function renderPlan(text: string, opts: PlanOptions): PlanOutput {
  let docs: unknown[];
  try {
    docs = YAML.parseAllDocuments(text).map((d) => {
      if (d.errors.length > 0) throw new Error(d.errors[0]!.message);
      return d.toJS() as unknown;
    });
  } catch (err) {
    return { ok: false, errors: [`${opts.source} is not valid YAML: ${(err as Error).message}`] };
  }
  const restores = docs.filter((d) => (d as { kind?: string } | null)?.kind === KIND);
  if (restores.length === 0) return { ok: false, errors: [`${opts.source} holds no ${KIND}`] };

  const errors: string[] = [];
  const out: string[] = [];
  for (const doc of restores) {
    const verdict = validateAlmaRestore(doc);
    if (!verdict.ok) {
      errors.push(verdict.message);
      continue;
    }
    const ar = verdict.defaulted;
    ar.metadata.namespace ??= opts.namespace;
    const restore = resolveAlmaRestore(ar, { runnerImage: opts.runnerImage });
    const plan = planSizing(restore.spec);
    out.push(sizingComment(ar, plan));
    const withStatus = { ...ar, status: { phase: 'Pending', plan } };
    for (const obj of [withStatus, ...allResources(restore, plan)])
      out.push(`---\n${YAML.stringify(obj, { lineWidth: 0 })}`);
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, yaml: `${out.join('\n')}` };
}

export function registerPlanCommand(program: Command): void {
  program
    .command('plan')
    .description(
      'print the sizing and every resource the controller would create for an AlmaRestore manifest (offline); invalid manifests get the API server’s messages and exit 2',
    )
    .requiredOption('-f, --file <manifest>', 'YAML file with one or more AlmaRestores ("-" for stdin)')
    .option(
      '--runner-image <image>',
      'image of the step Jobs when spec.steps.runnerImage is not set',
      process.env.RUNNER_IMAGE ?? DEFAULT_RUNNER_IMAGE,
    )
    .option('-n, --namespace <namespace>', 'namespace for manifests that name none', 'default')
    .action(async (opts: { file: string; runnerImage: string; namespace: string }) => {
      let text: string;
      try {
        text = opts.file === '-' ? await readStdin() : await readFile(opts.file, 'utf8');
      } catch (err) {
        throw new UserFacingError(
          `cannot read ${opts.file}: ${(err as Error).message}`,
          'ManifestUnreadable',
        );
      }
      const result = renderPlan(text, {
        source: opts.file,
        runnerImage: opts.runnerImage,
        namespace: opts.namespace,
      });
      if (!result.ok) throw new UserFacingError(result.errors.join('\n'), 'InvalidManifest');
      process.stdout.write(result.yaml);
    });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
