// `alma-restore plan -f manifest.yaml`: offline, prints the sizing and every resource the
// controller would create for each AlmaRestore in the file (or in every manifest of a directory,
// as `kubectl apply -f dir/` reads it), as YAML; an invalid manifest gets the API server's own
// messages, hints for the usual mistakes, and exit code 2. Other documents (Secrets) are skipped.
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import YAML from 'yaml';
import { UserFacingError } from '../errors.js';
import { allResources } from '../resources/index.js';
import { DEFAULT_RUNNER_IMAGE, resolveAlmaRestore } from '../api/defaults.js';
import { manifestHints } from '../api/manifest-hints.js';
import { formatGiB } from '../api/quantity.js';
import { planSizing } from '../api/sizing.js';
import { KIND, type AlmaRestore, type SizingPlan } from '../api/types.js';
import { validateAlmaRestore } from '../api/validation.js';

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
      errors.push([verdict.message, ...manifestHints(doc).map((h) => `  hint: ${h}`)].join('\n'));
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
    .requiredOption(
      '-f, --file <manifest>',
      'YAML file with one or more AlmaRestores, a directory of them (*.yaml, *.yml, *.json), or "-" for stdin',
    )
    .option(
      '--runner-image <image>',
      'image of the step Jobs when spec.steps.runnerImage is not set',
      process.env.RUNNER_IMAGE ?? DEFAULT_RUNNER_IMAGE,
    )
    .option('-n, --namespace <namespace>', 'namespace for manifests that name none', 'default')
    .action(async (opts: { file: string; runnerImage: string; namespace: string }) => {
      const files = await readManifests(opts.file);
      const inDirectory = files.length > 1 || files[0]?.source !== opts.file;
      const outputs = files.map((f): PlanOutput => {
        const out = renderPlan(f.text, {
          source: f.source,
          runnerImage: opts.runnerImage,
          namespace: opts.namespace,
        });
        // Which file of the directory each error is about.
        return out.ok || !inDirectory || / holds no AlmaRestore$/.test(out.errors[0] ?? '')
          ? out
          : { ok: false, errors: out.errors.map((e) => `${f.source}: ${e}`) };
      });
      // In a directory, files without an AlmaRestore (the Secrets) are fine; one of them must have one.
      const relevant = inDirectory
        ? outputs.filter((o) => o.ok || !/ holds no AlmaRestore$/.test(o.errors[0] ?? ''))
        : outputs;
      if (relevant.length === 0)
        throw new UserFacingError(`no file in ${opts.file} holds an ${KIND}`, 'InvalidManifest');
      const errors = relevant.flatMap((o) => (o.ok ? [] : o.errors));
      if (errors.length > 0) throw new UserFacingError(errors.join('\n'), 'InvalidManifest');
      process.stdout.write(relevant.map((o) => (o.ok ? o.yaml : '')).join('\n'));
    });
}

const MANIFEST_FILE = /\.(ya?ml|json)$/i;

/** The manifest texts behind `-f`: a file, stdin, or each manifest file of a directory (not recursive). */
export async function readManifests(file: string): Promise<{ source: string; text: string }[]> {
  const unreadable = (err: unknown) =>
    new UserFacingError(`cannot read ${file}: ${(err as Error).message}`, 'ManifestUnreadable');
  if (file === '-') return [{ source: 'stdin', text: await readStdin() }];
  const info = await stat(file).catch((err: unknown) => {
    throw unreadable(err);
  });
  if (!info.isDirectory())
    return [
      {
        source: file,
        text: await readFile(file, 'utf8').catch((e: unknown) => {
          throw unreadable(e);
        }),
      },
    ];
  const names = (await readdir(file)).filter((n) => MANIFEST_FILE.test(n)).sort();
  if (names.length === 0)
    throw new UserFacingError(
      `${file} is a directory without manifests (*.yaml, *.yml, *.json): name a file, or a directory that holds some`,
      'ManifestUnreadable',
    );
  return Promise.all(
    names.map(async (n) => ({
      source: path.join(file, n),
      text: await readFile(path.join(file, n), 'utf8'),
    })),
  );
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
