// `alma-restore logs NAME -f` against the real API server's pods/log with follow=true: the API
// server proxies a stand-in kubelet (test/support/fake-node-logs.ts) that streams what the step
// container prints and closes the stream when the container ends, as the kubelet does. Lines
// printed after the command started must appear while it runs; the command must end when the
// container ends or its pod is deleted, and say which; a stream that closes while the container
// still runs is an error, not a silent exit 0.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { sharedControlPlane, waitForValue, type ControlPlane } from '../support/control-plane.js';
import { FakeNodeLogs } from '../support/fake-node-logs.js';
import { RestoreClient, existingRestore } from '../support/restores.js';
import { createStepPod, runningStatus, setPodStatus, terminatedStatus } from '../support/step-pods.js';
import { cliArgs } from '../support/cli-entry.js';

/** A CLI process whose output the test reads while it runs. */
function startCli(entry: 'cli' | 'kubectl-alma', args: string[], kubeconfig: string) {
  const child = spawn(process.execPath, [...cliArgs(entry), ...args], {
    env: { ...process.env, KUBECONFIG: kubeconfig, TZ: 'UTC' },
  });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (b: Buffer) => (out.stdout += b.toString('utf8')));
  child.stderr.on('data', (b: Buffer) => (out.stderr += b.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let code: number | null | undefined;
  void exited.then((c) => (code = c));
  return {
    out,
    exited,
    get running() {
      return code === undefined;
    },
    kill: () => child.kill('SIGKILL'),
  };
}

/** A pino line as the step runners write them. */
const pino = (msg: string, at: Date) =>
  JSON.stringify({ level: 30, time: at.getTime(), pid: 7, hostname: 'fetch-pod', msg });

describe('logs -f: following a step pod through the API server', () => {
  let cp: ControlPlane;
  let ns: string;
  let core: k8s.CoreV1Api;
  let node: FakeNodeLogs;
  let restores: RestoreClient;
  const procs: ReturnType<typeof startCli>[] = [];

  /** A restore in Fetching whose fetch Job has one running pod on the stand-in node. */
  async function fetchingRestore(name: string): Promise<string> {
    const jobName = `${name}-fetch-1`;
    await restores.createWithStatus(existingRestore(name), {
      phase: 'Fetching',
      progress: 10,
      steps: { fetch: { phase: 'Running', jobName, attempt: 1 } },
    });
    const pod = `${jobName}-abcde`;
    await createStepPod(
      core,
      ns,
      { name: pod, jobName, container: 'fetch', nodeName: node.nodeName },
      runningStatus('fetch'),
    );
    node.print(ns, pod, 'fetch', []); // started, printed nothing yet
    return pod;
  }

  function follow(entry: 'cli' | 'kubectl-alma', args: string[]) {
    const p = startCli(entry, args, cp.kubeconfigPath);
    procs.push(p);
    return p;
  }

  async function untilPrinted(p: ReturnType<typeof startCli>, text: string) {
    await waitForValue(
      `the logs command to print ${JSON.stringify(text)}`,
      async () => p.out,
      (o) => o.stdout.includes(text),
      { describe: (o) => `stdout ${JSON.stringify(o.stdout)}, stderr ${JSON.stringify(o.stderr)}` },
    );
  }

  async function untilFollowing(p: ReturnType<typeof startCli>, pod: string) {
    await waitForValue(
      `the API server to open a follow=true log stream of ${pod} on the node`,
      async () => ({ open: node.following(ns, pod, 'fetch'), ...p.out }),
      (seen) => seen.open === 1,
      { describe: (seen) => JSON.stringify(seen) },
    );
  }

  before(async () => {
    cp = await sharedControlPlane();
    ns = await cp.newNamespace('logs-follow');
    core = cp.kubeConfig.makeApiClient(k8s.CoreV1Api);
    restores = new RestoreClient(cp.kubeConfig, ns);
    node = await FakeNodeLogs.start(cp, `alma-logs-${process.pid}`);
  });
  after(async () => {
    for (const p of procs) if (p.running) p.kill();
    await node?.stop();
  });

  it('prints the lines written after it started, as readable lines, and ends with the container (exit 0)', async () => {
    const pod = await fetchingRestore('q3-follow');
    node.print(ns, pod, 'fetch', [pino('waiting for the delivery', new Date('2026-12-01T20:14:03Z'))]);
    const p = follow('cli', ['logs', 'q3-follow', '-n', ns, '-f']);
    await untilFollowing(p, pod);
    await untilPrinted(p, '[20:14:03] INFO: waiting for the delivery\n');

    node.print(ns, pod, 'fetch', [
      pino('part 1 of 2 transferred', new Date('2026-12-01T20:15:00Z')),
      'a line that is not JSON',
    ]);
    await untilPrinted(p, '[20:15:00] INFO: part 1 of 2 transferred\na line that is not JSON\n');
    assert.ok(p.running, 'the command still follows while the container runs');

    await setPodStatus(core, ns, pod, terminatedStatus('fetch', 0, 'Completed'));
    node.end(ns, pod, 'fetch');
    assert.equal(await p.exited, 0, p.out.stderr);
    assert.equal(
      p.out.stdout,
      '[20:14:03] INFO: waiting for the delivery\n[20:15:00] INFO: part 1 of 2 transferred\na line that is not JSON\n',
    );
    assert.equal(
      p.out.stderr,
      `alma-restore: following the fetch pod ${pod} (Job q3-follow-fetch-1) until its container ends; Ctrl-C stops\n` +
        `alma-restore: the fetch container of pod ${pod} ended: exit code 0 (Completed); alma-restore status q3-follow -n ${ns} shows what the restore does next\n`,
    );
  });

  it('kubectl alma logs --raw: the lines as written, and the end when the pod is deleted', async () => {
    const pod = await fetchingRestore('q3-gone');
    const p = follow('kubectl-alma', ['logs', 'q3-gone', '-n', ns, '--raw']);
    await untilFollowing(p, pod);
    const line = pino('transferring part 2 of 2', new Date('2026-12-01T21:00:00Z'));
    node.print(ns, pod, 'fetch', [line]);
    await untilPrinted(p, `${line}\n`);

    // Deleted: the kubelet kills the container, which closes its log stream.
    await core.deleteNamespacedPod({ namespace: ns, name: pod, gracePeriodSeconds: 0 });
    node.end(ns, pod, 'fetch');
    assert.equal(await p.exited, 0, p.out.stderr);
    assert.equal(p.out.stdout, `${line}\n`);
    assert.match(
      p.out.stderr,
      new RegExp(
        `\\nkubectl alma: pod ${pod} was deleted, its log ends here; kubectl alma status q3-gone -n ${ns} shows what the restore does next\\n$`,
      ),
    );
  });

  it('a stream closed while the container still runs: exit 1 and how to resume, not a silent end', async () => {
    const pod = await fetchingRestore('q3-cut');
    const p = follow('cli', ['logs', 'q3-cut', '-n', ns]);
    await untilFollowing(p, pod);
    node.end(ns, pod, 'fetch'); // the stream ends, the pod's status still says running
    assert.equal(await p.exited, 1, p.out.stderr);
    assert.match(
      p.out.stderr,
      new RegExp(
        `\\nalma-restore: the API server closed the log stream of pod ${pod} while its fetch container still runs; run the command again to keep following\\n$`,
      ),
    );
  });
});
