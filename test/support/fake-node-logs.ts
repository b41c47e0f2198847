// The one kubelet endpoint the controller's progress reading needs: a Node whose address is an
// HTTPS server on loopback that serves /containerLogs/<namespace>/<pod>/<container>, the path the
// API server proxies `pods/log` to. Pods are bound to the Node as the scheduler would (a Binding),
// and the test writes what the step container printed. The request goes through the real API
// server (authorization, pod and container checks, tailLines), only the kubelet is played.
import { readFile } from 'node:fs/promises';
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
    /** The paths the API server asked for. */
    readonly requests: string[],
  ) {}

  static async start(cp: ControlPlane, nodeName: string): Promise<FakeNodeLogs> {
    const { serverCert, serverKey } = cp.info.pki.files;
    const logs = new Map<string, string>();
    const requests: string[] = [];
    const server = createServer(
      { cert: await readFile(serverCert), key: await readFile(serverKey) },
      (req, res) => {
        const url = new URL(req.url ?? '/', 'https://node');
        requests.push(url.pathname + url.search);
        const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
        const text = m ? logs.get(`${m[1]}/${m[2]}/${m[3]}`) : undefined;
        if (text === undefined) {
          res.writeHead(404).end('no such container log');
          return;
        }
        // What the kubelet does with tailLines.
        const tail = Number(url.searchParams.get('tailLines') ?? 'NaN');
        const lines = text.split('\n').filter((l) => l !== '');
        const shown = Number.isFinite(tail) ? lines.slice(-tail) : lines;
        res.writeHead(200, { 'Content-Type': 'text/plain' }).end(shown.map((l) => `${l}\n`).join(''));
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
    return new FakeNodeLogs(core, server, nodeName, logs, requests);
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

  /** Appends lines to what the container printed. */
  print(namespace: string, pod: string, container: string, lines: string[]): void {
    const key = `${namespace}/${pod}/${container}`;
    this.logs.set(key, (this.logs.get(key) ?? '') + lines.map((l) => `${l}\n`).join(''));
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.core.deleteNode({ name: this.nodeName }).catch(() => undefined);
  }
}
