// `scripts/local-cluster.sh up` runs this as a background process: the same one-node cluster the
// end-to-end tests use (test/support/real-node.ts), with the project's images built and loaded,
// kept up until SIGTERM (`down`). It writes into its state directory: `pid`, `kubeconfig`,
// `run-dir`, `images` (ref<TAB>archive per line), `helm` (the test binaries' helm) and, once
// everything is up, `ready`.
// If this process is killed hard, the real node's cleaner still removes the cluster.
import { mkdirSync, copyFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { findHelm } from './chart-tools.js';
import { buildImages } from './images.js';
import { startRealCluster } from './real-node.js';

const stateDir = process.argv[2];
if (!stateDir) {
  console.error('usage: local-cluster.ts <state dir>');
  process.exit(2);
}
mkdirSync(stateDir, { recursive: true });
for (const f of ['ready', 'kubeconfig', 'run-dir', 'images', 'helm'])
  rmSync(path.join(stateDir, f), { force: true });
writeFileSync(path.join(stateDir, 'pid'), String(process.pid));
const log = (line: string) => console.log(`${new Date().toISOString()} ${line}`);

const started = Date.now();
log('building the images (cached: a no-op when nothing changed)');
const images = await buildImages();
const cluster = await startRealCluster({
  pauseImage: images.pause,
  images: [images.app.archive, images.oracle.archive],
  log,
});
writeFileSync(path.join(stateDir, 'run-dir'), cluster.runDir);
copyFileSync(cluster.cp.kubeconfigPath, path.join(stateDir, 'kubeconfig'));
writeFileSync(
  path.join(stateDir, 'images'),
  Object.entries(images)
    .map(([name, i]) => `${name}\t${i.ref}\t${i.archive}\n`)
    .join(''),
);
// The helm the tests use (scripts/build-test-binaries.sh), for the printed install line when
// there is none on PATH.
try {
  writeFileSync(path.join(stateDir, 'helm'), `${findHelm()}\n`);
} catch {
  // None built: the script prints plain `helm`.
}
// Local PVs for a first restore (staging + database); `kubectl get pv` shows them.
await cluster.createLocalVolumes(4);
writeFileSync(path.join(stateDir, 'ready'), `${((Date.now() - started) / 1000).toFixed(1)}s\n`);
log(`cluster ready in ${((Date.now() - started) / 1000).toFixed(1)}s; node ${cluster.nodes.join(', ')}`);

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  log(`${signal}: removing the cluster`);
  await cluster.stop();
  for (const f of ['ready', 'kubeconfig', 'run-dir', 'pid']) rmSync(path.join(stateDir, f), { force: true });
  log('removed');
  process.exit(0);
};
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
setInterval(() => undefined, 1 << 30);
