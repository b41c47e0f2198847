// Benchmark of the controller at scale, against the test control plane (etcd + kube-apiserver,
// no kube-controller-manager, so that every request the API server counts in the watched
// resources comes from the controller or from this script, never from another controller):
//   (a) at rest: read and write requests per minute by resource and verb, from the API server's
//       own apiserver_request_total (WATCH excluded), over one minute after settling; controller RSS;
//   (b) throughput: the queued batch applied before the controller runs; from the controller's
//       start until every restore of it has a phase, against the time the same API server takes
//       to accept as many status updates from a plain client (same number of requests in
//       flight), measured in this run; printed as a ratio, beside the time the creates took;
//   (c) latency: create of one admissible restore -> its first Job, p50/p99 over samples, with
//       the whole store present.
// The store: BENCH_RESTORES (default 1000) AlmaRestores in one namespace: 10% Succeeded and 10%
// Failed (status written before the controller starts), one waiting in Provisioning (its database
// never gets ready), one waiting on its fetch Job (the Job never finishes), the rest Queued
// behind the per-database limit (they share one database). The total limit is raised so that a
// restore on another database (the latency samples) is admissible at once.
//   npx tsx bench/controller/run.ts
import { execFileSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';
import { GROUP, PLURAL, VERSION, type AlmaRestore } from '../../src/api/types.js';
import { FINALIZER } from '../../src/controller/reconciler.js';
import { shareConnections } from '../../src/runtime/shared-agent.js';
import { defaultCrds, startControlPlane, waitFor, waitForValue } from '../../test/support/control-plane.js';
import { startController } from '../../test/support/controller-process.js';
import { FakeKubelet } from '../../test/support/fake-kubelet.js';
import { createRestoreSecrets, existingRestore, managedRestore } from '../../test/support/restores.js';
import {
  CONTROLLER_RESOURCES,
  classify,
  diffCounts,
  scrapeRequestTotals,
} from '../../test/support/apiserver-requests.js';

const N = Number(process.env.BENCH_RESTORES ?? '1000');
const REST_SECONDS = Number(process.env.BENCH_REST_SECONDS ?? '60');
const SETTLE_SECONDS = Number(process.env.BENCH_SETTLE_SECONDS ?? '30');
const SAMPLES = Number(process.env.BENCH_LATENCY_SAMPLES ?? '10');
/** Requests in flight from the plain client (and from this script's creates): the controller's --workers. */
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? '2');
/** BENCH_CONTROLLER=tsx runs the sources through tsx (as the tests do); default: the compiled CLI, as the image runs it. */
const COMPILED = (process.env.BENCH_CONTROLLER ?? 'dist') !== 'tsx';
/**
 * The controller's process settings: by default the chart's (NODE_OPTIONS, MALLOC_ARENA_MAX and
 * the log level its Deployment sets, read from values.yaml); BENCH_NODE_SETTINGS=none runs Node's
 * defaults, for comparison.
 */
const CHART_SETTINGS = (process.env.BENCH_NODE_SETTINGS ?? 'chart') !== 'none';
const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
const NS = 'bench';
const BASELINE_NS = 'bench-baseline';
const QUEUE_DB = 'db-queue.example.edu:1521/ALMA';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const seconds = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e9;

async function pool<T>(items: T[], inFlight: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(inFlight, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** A sample of the controller's own /metrics page (prom-client's default process metrics). */
function sample(text: string, name: string): number {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

/** The environment the chart's Deployment gives the controller container (templates/deployment.yaml). */
function chartControllerEnv(): Record<string, string> {
  const values = parseYaml(
    readFileSync(path.join(REPO_ROOT, 'charts/alma-restore-operator/values.yaml'), 'utf8'),
  ) as { controller: { logLevel: string; nodeOptions?: string; mallocArenaMax?: number } };
  const c = values.controller;
  return {
    LOG_LEVEL: c.logLevel,
    ...(c.nodeOptions ? { NODE_OPTIONS: c.nodeOptions } : {}),
    ...(c.mallocArenaMax ? { MALLOC_ARENA_MAX: String(c.mallocArenaMax) } : {}),
  };
}

/** The controller's memory by kind (its alma_restore_controller_memory_bytes gauge), in MB. */
function memoryMb(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^alma_restore_controller_memory_bytes\{kind="(\w+)"\} ([0-9.e+]+)$/gm))
    out[m[1]!] = Number(m[2]) / 2 ** 20;
  return out;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main() {
  const terminal = Math.floor(N / 10);
  const queued = N - 2 * terminal - 2;
  if (queued < 1) throw new Error(`BENCH_RESTORES=${N} is too small; use at least 10`);
  console.log(`store: ${terminal} Succeeded, ${terminal} Failed, 2 active, ${queued} queued (N=${N})`);

  if (COMPILED) {
    console.log('building dist/ (npm run build), to run the controller as the image does');
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: REPO_ROOT, stdio: 'inherit' });
  }
  const cp = await startControlPlane({ controllerManager: false, crds: defaultCrds() });
  const logDir = await mkdtemp(path.join(os.tmpdir(), 'alma-bench-controller-'));
  let controller: Awaited<ReturnType<typeof startController>> | undefined;
  const informers: k8s.Informer<k8s.KubernetesObject>[] = [];
  let stopping = false;
  try {
    const kc = cp.kubeConfig;
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const batch = kc.makeApiClient(k8s.BatchV1Api);
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    const kubelet = new FakeKubelet(kc);
    const base = (namespace: string) => ({ group: GROUP, version: VERSION, namespace, plural: PLURAL });
    const create = (namespace: string, r: AlmaRestore) =>
      custom.createNamespacedCustomObject({ ...base(namespace), body: r }) as Promise<AlmaRestore>;
    const patchStatus = (namespace: string, name: string, status: object) =>
      custom.patchNamespacedCustomObjectStatus(
        { ...base(namespace), name, body: { status } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );

    for (const name of [NS, BASELINE_NS]) await core.createNamespace({ body: { metadata: { name } } });
    await createRestoreSecrets(kc, NS);
    // The staging claim the existing-database restores name (database.existing.stagingClaimName).
    await kubelet.createBoundClaim(NS, 'dumps', '100Gi');

    // Finished restores: status written before the controller starts.
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const finished = Array.from({ length: 2 * terminal }, (_, i) => ({
      name: `done-${i}`,
      phase: i < terminal ? 'Succeeded' : 'Failed',
    }));
    await pool(finished, 8, async ({ name, phase }) => {
      const r = existingRestore(name, `db-done-${name}.example.edu:1521/ALMA`);
      r.metadata.finalizers = [FINALIZER];
      const made = await create(NS, r);
      await patchStatus(NS, name, {
        phase,
        progress: phase === 'Succeeded' ? 100 : 0,
        observedGeneration: made.metadata.generation,
        completionTime: now,
        ...(phase === 'Failed' ? { failedStep: 'fetch' } : {}),
        conditions: [
          {
            type: 'Ready',
            status: phase === 'Succeeded' ? 'True' : 'False',
            reason: phase,
            message: phase,
            lastTransitionTime: now,
          },
        ],
      });
    });
    console.log(`created ${2 * terminal} finished restores`);

    // (b) baseline: a plain client's status updates, on objects no controller watches.
    const queueNames = Array.from({ length: queued }, (_, i) => `q-${String(i).padStart(5, '0')}`);
    await pool(queueNames, 8, (name) => create(BASELINE_NS, existingRestore(name, QUEUE_DB)));
    const tBase = process.hrtime.bigint();
    await pool(queueNames, IN_FLIGHT, (name) =>
      patchStatus(BASELINE_NS, name, { phase: 'Queued', progressMessage: 'baseline status update' }),
    );
    const baselineSeconds = seconds(tBase);
    console.log(`baseline: ${queued} status updates in ${baselineSeconds.toFixed(2)} s`);
    // The same with keep-alive connections (as the controller sends them: shared-agent.ts), so
    // that the ratio can also be read without client-node's TLS handshake per request.
    const pooled = new k8s.KubeConfig();
    pooled.loadFromString(kc.exportConfig());
    shareConnections(pooled);
    const pooledCustom = pooled.makeApiClient(k8s.CustomObjectsApi);
    const tPooled = process.hrtime.bigint();
    await pool(queueNames, IN_FLIGHT, (name) =>
      pooledCustom.patchNamespacedCustomObjectStatus(
        {
          ...base(BASELINE_NS),
          name,
          body: { status: { phase: 'Queued', progressMessage: 'baseline status update, pooled' } },
        },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      ),
    );
    const pooledSeconds = seconds(tPooled);
    console.log(`baseline, keep-alive: ${queued} status updates in ${pooledSeconds.toFixed(2)} s`);

    // The bench's own view (watches: not counted).
    const phases = new Map<string, string | undefined>();
    const restoreInformer = k8s.makeInformer<AlmaRestore>(
      kc,
      `/apis/${GROUP}/${VERSION}/namespaces/${NS}/${PLURAL}`,
      async () =>
        (await custom.listNamespacedCustomObject(base(NS))) as k8s.KubernetesListObject<AlmaRestore>,
    );
    const onRestore = (r: AlmaRestore) => phases.set(r.metadata.name, r.status?.phase);
    restoreInformer.on(k8s.ADD, onRestore);
    restoreInformer.on(k8s.UPDATE, onRestore);
    const jobSeen = new Map<string, bigint>();
    const jobInformer = k8s.makeInformer<k8s.V1Job>(kc, `/apis/batch/v1/namespaces/${NS}/jobs`, () =>
      batch.listNamespacedJob({ namespace: NS }),
    );
    jobInformer.on(k8s.ADD, (j) => {
      const owner = j.metadata?.labels?.['almarestore.io/restore'];
      if (owner && !jobSeen.has(owner)) jobSeen.set(owner, process.hrtime.bigint());
    });
    // client-node 1.4's informer stops for good on a watch error: start it again, as
    // src/runtime/informers.ts does for the controller.
    for (const informer of [restoreInformer, jobInformer] as k8s.Informer<k8s.KubernetesObject>[])
      informer.on(k8s.ERROR, (err) => {
        if (stopping) return;
        console.log(`bench informer: watch error (${String(err)}), starting it again`);
        setTimeout(() => void informer.start().catch(() => undefined), 1000);
      });
    informers.push(restoreInformer as never, jobInformer as never);
    await restoreInformer.start();
    await jobInformer.start();

    // (b) throughput: the queued batch applied at once, before the controller runs (as after an
    // upgrade, or a `kubectl apply` of many restores while it was down), then the controller
    // started: from its start until every restore of the batch has a phase. Creating the batch
    // is timed too: it is the API server's own cost of the apply, which bounds any controller
    // that watches while the restores are created.
    await create(NS, existingRestore('active-fetch', QUEUE_DB));
    await create(NS, managedRestore('active-provision'));
    const tCreate = process.hrtime.bigint();
    await pool(queueNames, IN_FLIGHT, (name) => create(NS, existingRestore(name, QUEUE_DB)));
    const createdSeconds = seconds(tCreate);
    console.log(
      `created the ${queued} queued restores in ${createdSeconds.toFixed(2)} s (no controller running)`,
    );
    const t0 = process.hrtime.bigint();
    const env = CHART_SETTINGS ? chartControllerEnv() : { LOG_LEVEL: 'info' };
    controller = await startController({
      kubeconfigPath: cp.kubeconfigPath,
      namespace: NS,
      logDir,
      args: [`--max-concurrent-restores=${N + SAMPLES + 10}`, '--max-concurrent-per-database=1'],
      ...(COMPILED ? { cli: [path.join(REPO_ROOT, 'dist/cli.js')] } : {}),
      env,
    });
    const count = (ok: (phase: string | undefined) => boolean) =>
      queueNames.filter((n) => ok(phases.get(n))).length;
    await waitForValue(
      `all ${queued} queued restores to have a phase`,
      async () => count((p) => p !== undefined),
      (n) => n === queued,
      { timeoutMs: 600_000, everyMs: 50, describe: (n) => `${n} of ${queued} with a phase` },
    );
    const phasedSeconds = seconds(t0);
    // active-fetch holds the database's one slot, so every restore of the batch waits in Queued.
    await waitForValue(
      `all ${queued} restores to be Queued`,
      async () => count((p) => p === 'Queued'),
      (n) => n === queued,
      {
        timeoutMs: 600_000,
        everyMs: 50,
        describe: (n) =>
          `${n} of ${queued} Queued; the others: ${JSON.stringify(
            Object.fromEntries(
              queueNames
                .filter((q) => phases.get(q) !== 'Queued')
                .slice(0, 5)
                .map((q) => [q, phases.get(q)]),
            ),
          )}`,
      },
    );
    const queuedSeconds = seconds(t0);
    console.log(
      `throughput: from the controller's start, all phased ${phasedSeconds.toFixed(2)} s, all Queued ${queuedSeconds.toFixed(2)} s (load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')})`,
    );
    const pid = controller.child.pid!;
    console.log(`controller pid ${pid}, log ${controller.logFile}, env ${JSON.stringify(env)}`);

    // The two active restores (created before the batch, so admitted first): one waits on its
    // fetch Job, one in Provisioning for its database.
    await kubelet.bindClaim(NS, 'active-provision-staging');
    await waitFor('active-fetch to have its fetch Job', async () => jobSeen.has('active-fetch'), 120_000);
    await waitFor(
      'active-provision to wait in Provisioning',
      async () => phases.get('active-provision') === 'Provisioning',
      120_000,
    );

    // (a) at rest.
    console.log(`settling ${SETTLE_SECONDS} s, then measuring ${REST_SECONDS} s at rest ...`);
    await sleep(SETTLE_SECONDS * 1000);
    const before = await scrapeRequestTotals(kc);
    let rssPeak = 0;
    for (let s = 0; s < REST_SECONDS; s += 5) {
      await sleep(Math.min(5, REST_SECONDS - s) * 1000);
      rssPeak = Math.max(rssPeak, rssMb(pid));
    }
    const after = await scrapeRequestTotals(kc);
    const perMinute = 60 / REST_SECONDS;
    const rest = classify(diffCounts(before, after), CONTROLLER_RESOURCES);
    const rss = rssMb(pid);
    const own = await controller.metrics();
    const heapUsedMb = sample(own, 'nodejs_heap_size_used_bytes') / 2 ** 20;
    const heapTotalMb = sample(own, 'nodejs_heap_size_total_bytes') / 2 ** 20;
    const memory = memoryMb(own);
    const load = os.loadavg().map((l) => l.toFixed(1));

    // (c) latency: admissible restores (each its own database), one at a time.
    const latencies: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const name = `lat-${i}`;
      const start = process.hrtime.bigint();
      await create(NS, existingRestore(name, `db-lat-${i}.example.edu:1521/ALMA`));
      await waitFor(`${name} to get its first Job`, async () => jobSeen.has(name), 120_000, 10);
      latencies.push(Number(jobSeen.get(name)! - start) / 1e9);
    }
    latencies.sort((a, b) => a - b);

    console.log(
      `\ncontroller (${COMPILED ? 'dist/cli.js' : 'tsx src/cli.ts'}) at rest: RSS ${rss.toFixed(0)} MB, V8 heap used ${heapUsedMb.toFixed(0)} MB of ${heapTotalMb.toFixed(0)} MB`,
    );
    console.log(
      `  memory (MB): ${Object.entries(memory)
        .map(([k, v]) => `${k} ${v.toFixed(1)}`)
        .join(', ')}; load average at rest ${load.join(' ')}`,
    );
    console.log(`\nAt rest, per minute (WATCH excluded), ${N} restores:`);
    for (const [key, n] of rest.rows) console.log(`  ${key.padEnd(36)} ${(n * perMinute).toFixed(0)}`);
    if (rest.ignored.length)
      console.log(
        `  not counted (API server's own, or WATCH): ${rest.ignored.map(([k, n]) => `${k}=${n}`).join(', ')}`,
      );

    const ratio = phasedSeconds / baselineSeconds;
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    const rows: [string, string, string, boolean | undefined][] = [
      ['writes/min at rest', (rest.writes * perMinute).toFixed(0), '0', rest.writes === 0],
      ['reads/min at rest', (rest.reads * perMinute).toFixed(0), '<= 10', rest.reads * perMinute <= 10],
      [
        'controller RSS (MB, end / peak)',
        `${rss.toFixed(0)} / ${rssPeak.toFixed(0)}`,
        '<= 150',
        rssPeak <= 150,
      ],
      [
        'V8 heap used / total / limit (MB)',
        `${heapUsedMb.toFixed(0)} / ${heapTotalMb.toFixed(0)} / ${memory.heapLimit?.toFixed(0) ?? '?'}`,
        'room under the limit',
        !(heapUsedMb > 0.75 * (memory.heapLimit ?? Infinity)),
      ],
      [
        `throughput: ${queued} phased / ${queued} status updates`,
        `${phasedSeconds.toFixed(2)} s / ${baselineSeconds.toFixed(2)} s = ${ratio.toFixed(2)}x`,
        '<= 2x',
        ratio <= 2,
      ],
      [
        `for reading: creating the ${queued} / ${queued} status updates`,
        `${createdSeconds.toFixed(2)} s / ${baselineSeconds.toFixed(2)} s = ${(createdSeconds / baselineSeconds).toFixed(2)}x`,
        '(the apply itself)',
        undefined,
      ],
      [
        `throughput vs a keep-alive client's ${queued} status updates`,
        `${phasedSeconds.toFixed(2)} s / ${pooledSeconds.toFixed(2)} s = ${(phasedSeconds / pooledSeconds).toFixed(2)}x`,
        '(for reading)',
        undefined,
      ],
      [`latency create -> first Job p50 (${SAMPLES} samples)`, `${p50.toFixed(3)} s`, '<= 1 s', p50 <= 1],
      [`latency create -> first Job p99`, `${p99.toFixed(3)} s`, '<= 3 s', p99 <= 3],
    ];
    console.log('\n| figure | measured | target | met |\n|---|---|---|---|');
    for (const [what, got, target, ok] of rows)
      console.log(`| ${what} | ${got} | ${target} | ${ok === undefined ? '-' : ok ? 'yes' : 'NO'} |`);
  } finally {
    stopping = true; // the informers' watch errors from here on are the shutdown's
    for (const i of informers) await i.stop().catch(() => {});
    await controller?.stop();
    await cp.stop();
  }
}

await main();
