// What every controller integration test sets up: the run's control plane, a fake kubelet, a log
// directory for the controller processes, namespaces holding the Secrets the sample restores
// reference, and controller processes (each watching one namespace), all stopped by `stop()`.
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sharedControlPlane, type ControlPlane } from './control-plane.js';
import { startController, type ControllerProcess } from './controller-process.js';
import { FakeKubelet } from './fake-kubelet.js';
import { RestoreClient, createRestoreSecrets } from './restores.js';

export class ControllerBed {
  private readonly controllers: ControllerProcess[] = [];

  private constructor(
    readonly cp: ControlPlane,
    readonly kubelet: FakeKubelet,
    readonly logDir: string,
  ) {}

  /** `name` names the log directory (alma-<name>-logs-*), where a failed test's controller logs are. */
  static async start(name: string): Promise<ControllerBed> {
    const cp = await sharedControlPlane();
    const logDir = await mkdtemp(path.join(os.tmpdir(), `alma-${name}-logs-`));
    return new ControllerBed(cp, new FakeKubelet(cp.kubeConfig), logDir);
  }

  /** A fresh namespace holding the Secrets the sample restores reference. */
  async namespace(prefix: string): Promise<string> {
    const ns = await this.cp.newNamespace(prefix);
    await createRestoreSecrets(this.cp.kubeConfig, ns);
    return ns;
  }

  /** A controller process watching `namespace`, stopped by `stop()`. */
  async controller(namespace: string, args: string[] = [], name = 'a'): Promise<ControllerProcess> {
    const c = await startController({
      kubeconfigPath: this.cp.kubeconfigPath,
      namespace,
      args,
      logDir: this.logDir,
      name,
    });
    this.controllers.push(c);
    return c;
  }

  /** A namespace with its Secrets and its own controller, and a client for its restores. */
  async setUp(prefix: string, args: string[] = []) {
    const ns = await this.namespace(prefix);
    const controller = await this.controller(ns, args, prefix);
    return { ns, controller, restores: new RestoreClient(this.cp.kubeConfig, ns) };
  }

  /** What provisioning waits for: the restore's staging claim bound and its database ready. */
  async provision(namespace: string, name: string): Promise<void> {
    await this.kubelet.bindClaim(namespace, `${name}-staging`);
    await this.kubelet.markStatefulSetReady(namespace, `${name}-db`);
  }

  async stop(): Promise<void> {
    for (const c of this.controllers) await c.stop();
  }
}
