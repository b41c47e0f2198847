// The one kubelet endpoint the controller's progress reading needs: a Node whose address is an
// HTTPS server on loopback that serves /containerLogs/<namespace>/<pod>/<container>, the path the
// API server proxies `pods/log` to. Pods are bound to the Node as the scheduler would (a Binding),
// and the test writes what the step container printed. The request goes through the real API
// server (authorization, pod and container checks, tailLines, follow), only the kubelet is
// played. With follow=true the kubelet keeps the response open, sends each line as the container
// prints it and closes it when the container ends (`kubectl logs -f` returns then); `end` plays
// that, for a container that exits or is killed with its deleted pod.
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import * as k8s from '@kubernetes/client-node';
import type { ControlPlane } from './control-plane.js';
import { waitFor } from './control-plane.js';

export class FakeNodeLogs {
  private constructor(
    private readonly core: k8s.CoreV1Api,
    private readonly server: Server,
    readonly nodeName: string,
    /** "<namespace>/<pod>/<container>" -> what it printed. */
    private readonly logs: Map<string, string>,
    /** "<namespace>/<pod>/<container>" -> the open follow=true responses. */
    private readonly followers: Map<string, Set<ServerResponse>>,
    /** The containers that have ended (a follow request gets what they printed, then the end). */
    private readonly ended: Set<string>,
    /** The paths the API server asked for. */
    readonly requests: string[],
  ) {}

  static async start(cp: ControlPlane, nodeName: string): Promise<FakeNodeLogs> {
    const { serverCert, serverKey } = cp.info.pki.files;
    const logs = new Map<string, string>();
    const followers = new Map<string, Set<ServerResponse>>();
    const ended = new Set<string>();
    const requests: string[] = [];
    const server = createServer(
      { cert: await readFile(serverCert), key: await readFile(serverKey) },
      (req, res) => {
        const url = new URL(req.url ?? '/', 'https://node');
        requests.push(url.pathname + url.search);
        const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
        const key = m ? `${m[1]}/${m[2]}/${m[3]}` : '';
        const text = logs.get(key);
        if (text === undefined) {
          res.writeHead(404).end('no such container log');
          return;
        }
        // What the kubelet does with tailLines.
        const tail = Number(url.searchParams.get('tailLines') ?? 'NaN');
        const lines = text.split('\n').filter((l) => l !== '');
        const shown = Number.isFinite(tail) ? lines.slice(-tail) : lines;
        res.writeHead(200, { 'Content-Type': 'text/plain' }).write(shown.map((l) => `${l}\n`).join(''));
        if (url.searchParams.get('follow') !== 'true' || ended.has(key)) {
          res.end();
          return;
        }
        const open = followers.get(key) ?? new Set<ServerResponse>();
        followers.set(key, open.add(res));
        res.on('close', () => open.delete(res));
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const core = cp.kubeConfig.makeApiClient(k8s.CoreV1Api);
    await core.deleteNode({ name: nodeName }).catch(() => undefined);
    await core.createNode({ body: { metadata: { name: nodeName }, spec: { unschedulable: true } } });
    await core.patchNodeStatus(
      {
        name: nodeName,
        body: {
          status: {
            addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
            daemonEndpoints: { kubeletEndpoint: { Port: port } },
          },
        },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    return new FakeNodeLogs(core, server, nodeName, logs, followers, ended, requests);
  }

  /** Binds the Job's pod to this node (what the scheduler does) and returns its name. */
  async bindJobPod(namespace: string, jobName: string): Promise<string> {
    let pod: k8s.V1Pod | undefined;
    await waitFor(`the job controller to create a pod for ${jobName}`, async () => {
      const pods = await this.core.listNamespacedPod({ namespace, labelSelector: `job-name=${jobName}` });
      pod = pods.items.find((p) => !p.metadata?.deletionTimestamp);
      return !!pod;
    });
    const name = pod!.metadata!.name!;
    if (!pod!.spec?.nodeName)
      await this.core.createNamespacedPodBinding({
        namespace,
        name,
        body: { metadata: { name }, target: { apiVersion: 'v1', kind: 'Node', name: this.nodeName } },
      });
    return name;
  }

  /** Appends lines to what the container printed; a follower gets them as they come. */
  print(namespace: string, pod: string, container: string, lines: string[]): void {
    const key = `${namespace}/${pod}/${container}`;
    const text = lines.map((l) => `${l}\n`).join('');
    this.logs.set(key, (this.logs.get(key) ?? '') + text);
    for (const res of this.followers.get(key) ?? []) res.write(text);
  }

  /** The container ended (exited, or was killed with its pod): its followers' streams close. */
  end(namespace: string, pod: string, container: string): void {
    const key = `${namespace}/${pod}/${container}`;
    this.ended.add(key);
    for (const res of this.followers.get(key) ?? []) res.end();
  }

  /** How many follow=true streams of this container are open (the API server proxies each one). */
  following(namespace: string, pod: string, container: string): number {
    return this.followers.get(`${namespace}/${pod}/${container}`)?.size ?? 0;
  }

  async stop(): Promise<void> {
    for (const open of this.followers.values()) for (const res of open) res.end();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.core.deleteNode({ name: this.nodeName }).catch(() => undefined);
  }
}
