// Flat config: typescript-eslint's recommended rules on everything we ship and test, and the
// layers of src/ (README, "Architecture"): a folder imports only the layers below it, so the step
// runners and the controller meet only in src/contract/. Enforced with ESLint's own
// no-restricted-imports on the relative import paths, one entry per folder and nesting depth.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Each part of src/ and what it may import, lowest layer first (errors.ts and logging.ts: the base). */
export const LAYERS = {
  contract: ['errors', 'logging'],
  oracle: ['errors', 'logging', 'contract'],
  sftp: ['errors', 'logging', 'contract'],
  runtime: ['errors', 'logging', 'contract'],
  api: ['errors', 'logging', 'contract', 'oracle'],
  resources: ['errors', 'logging', 'contract', 'api'],
  steps: ['errors', 'logging', 'contract', 'oracle', 'sftp', 'api'],
  controller: ['errors', 'logging', 'contract', 'oracle', 'runtime', 'api', 'resources'],
};
/** Every top-level name under src/ (folders, and the modules errors.ts, logging.ts, cli.ts, kubectl-alma.ts). */
export const PARTS = [...Object.keys(LAYERS), 'errors', 'logging', 'status', 'plan', 'cli', 'kubectl-alma'];

/** A relative import that leaves `depth` folders under src/ for a part not in `allowed`. */
function forbiddenImport(part, allowed, depth) {
  const up = depth === 0 ? '\\./' : `(\\.\\./){${depth}}`;
  const banned = PARTS.filter((p) => p !== part && !allowed.includes(p));
  return {
    regex: `^${up}(${banned.join('|')})(/|\\.js$)`,
    message:
      `src/${part}/ may import only ${allowed.map((a) => `src/${a}`).join(', ')} (the layers below it; ` +
      `README "Architecture"). Move what both sides need down, e.g. into src/contract/.`,
  };
}

const layerRules = [
  ...Object.entries(LAYERS).flatMap(([part, allowed]) =>
    [1, 2, 3].map((depth) => ({
      files: [`src/${part}/${'*/'.repeat(depth - 1)}*.ts`],
      rules: { 'no-restricted-imports': ['error', { patterns: [forbiddenImport(part, allowed, depth)] }] },
    })),
  ),
  ...['errors', 'logging'].map((part) => ({
    files: [`src/${part}.ts`],
    rules: { 'no-restricted-imports': ['error', { patterns: [forbiddenImport(part, [], 0)] }] },
  })),
];

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'node_modules/', 'charts/', 'manifests/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  ...layerRules,
);
