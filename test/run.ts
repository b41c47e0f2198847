// `npm test`'s test stage: builds dist/ (the tests run the product's commands as the image does,
// see support/cli-entry.ts) while it starts ONE real control plane for the whole run, hands its
// address to every test process (node's runner forks one per file), runs unit and integration
// tests under c8 for coverage (dist/ remapped to src/ by its source maps), and tears everything
// down, also on Ctrl-C.
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { defaultCrds, describeForChildren, startControlPlane } from './support/control-plane.js';

const root = path.resolve(import.meta.dirname, '..');

// The runner starts files in the order given, --test-concurrency at a time. These files take the
// longest (a quiet warm run: real-node 230 s, mostly waiting on the kubelet; npm pack + install
// 107 s; the rest under 60 s), so they start first and the short ones fill the other slots beside
// them. In alphabetical order real-node started last and ran alone for minutes at the end.
const START_FIRST = [
  'test/integration/real-node.test.ts',
  'test/integration/cli-package.test.ts',
  'test/integration/controller-lifecycle.test.ts',
  'test/integration/controller-pod-blockers.test.ts',
  'test/integration/image-build.test.ts',
];
for (const f of START_FIRST)
  if (!existsSync(path.join(root, f))) {
    console.error(`test/run.ts: START_FIRST names ${f}, which does not exist (renamed?)`);
    process.exit(2);
  }
function startRank(file: string): number {
  const i = START_FIRST.indexOf(file);
  return i === -1 ? START_FIRST.length : i;
}
const filter = process.argv[2]; // optional substring: run only matching test files
const files = ['test/unit', 'test/integration']
  .flatMap((dir) =>
    readdirSync(path.join(root, dir))
      .filter((f) => f.endsWith('.test.ts'))
      .map((f) => `${dir}/${f}`),
  )
  .filter((f) => !filter || f.includes(filter))
  .sort((a, b) => startRank(a) - startRank(b));
if (files.length === 0) {
  console.error(`no test files match ${JSON.stringify(filter)}`);
  process.exit(2);
}

const started = Date.now();
const seconds = () => ((Date.now() - started) / 1000).toFixed(1);
// --noCheck: the same files as `npm run build`, without its type check (npm test's typecheck
// step has done it; tsx, which runs the test files, does not check either).
const build = promisify(execFile)('npx', ['tsc', '-p', 'tsconfig.build.json', '--noCheck'], {
  cwd: root,
}).then(
  () => console.log(`dist/ built from src/ in ${seconds()}s`),
  (err: { stdout?: string; stderr?: string }) => {
    throw new Error(
      `building dist/ (npx tsc -p tsconfig.build.json --noCheck) failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`,
    );
  },
);
const cp = await startControlPlane({ crds: defaultCrds() });
console.log(`control plane up in ${seconds()}s at ${cp.info.server} (binaries: ${cp.binDir})`);
try {
  await build;
} catch (err) {
  console.error((err as Error).message);
  await cp.stop();
  process.exit(1);
}

const child = spawn(
  'npx',
  [
    'c8',
    '--reporter=text-summary',
    '--reporter=lcov',
    '--all',
    '--src=src',
    '--include=src/**',
    // dist/*.js counts as the src/*.ts it was compiled from (its source map).
    '--include=dist/**',
    'node',
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=3',
    '--test-reporter=spec',
    ...files,
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, ...describeForChildren(cp) } },
);
const forward = (sig: NodeJS.Signals) => child.kill(sig);
process.on('SIGINT', forward);
process.on('SIGTERM', forward);
const code: number = await new Promise((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
await cp.stop();
process.exit(code);
