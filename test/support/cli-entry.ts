// How the tests start the product's commands: the compiled dist/ that the image and the npm
// package run, built from this checkout once per run by test/run.ts. Running the sources through
// tsx instead costs about 3 s of CPU per process (its loader hooks see every module that
// @kubernetes/client-node imports), and the suite starts a few hundred of them on 2 cores.
import { existsSync } from 'node:fs';
import path from 'node:path';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');

/** node's arguments that run `entry` (`alma-restore` or `kubectl-alma`) from dist/. */
export function cliArgs(entry: 'cli' | 'kubectl-alma' = 'cli'): string[] {
  const file = path.join(REPO_ROOT, 'dist', `${entry}.js`);
  if (!existsSync(file))
    throw new Error(
      `${file} is missing: run the tests with \`npx tsx test/run.ts\` (or \`npm test\`), which builds dist/ from src/ first`,
    );
  return [file];
}
