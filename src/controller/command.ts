// `alma-restore controller`: runs the reconciler until SIGTERM/SIGINT. The controller's modules
// (and @kubernetes/client-node, about a second of CPU to load) are imported when the command
// runs, so that the step commands, `plan` and `--version` do not pay for them.
import { Option, type Command } from 'commander';
import { createLogger } from '../logging.js';
import { UserFacingError, EXIT } from '../errors.js';
import type { ManagerOptions } from './manager.js';
import { isDuration, parseDurationSeconds } from '../api/duration.js';

function parseBindAddress(value: string): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(value);
  if (!m)
    throw new UserFacingError(
      `--metrics-bind-address must be host:port, got ${JSON.stringify(value)}`,
      'BadFlag',
      EXIT.usage,
    );
  return { host: m[1] || '0.0.0.0', port: Number(m[2]) };
}

function durationMs(name: string) {
  return (value: string) => {
    if (!isDuration(value) || parseDurationSeconds(value) < 1)
      throw new UserFacingError(
        `${name} must be a duration like 15m or 1h30m, got ${JSON.stringify(value)}`,
        'BadFlag',
        EXIT.usage,
      );
    return parseDurationSeconds(value) * 1000;
  };
}

function positiveInt(name: string) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new UserFacingError(
        `${name} must be a positive integer, got ${JSON.stringify(value)}`,
        'BadFlag',
        EXIT.usage,
      );
    return n;
  };
}

export function registerControllerCommand(program: Command): void {
  program
    .command('controller')
    .description(
      'run the AlmaRestore controller (uses --kubeconfig, $KUBECONFIG, ~/.kube/config or the in-cluster account); exits at once when the API server cannot be reached',
    )
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, in-cluster)')
    .option('--context <name>', 'kubeconfig context (default: its current context)')
    .option('--metrics-bind-address <host:port>', 'where /metrics, /healthz and /readyz are served', ':8080')
    .option('--watch-namespace <ns...>', 'namespaces to watch (default: all); repeatable or comma-separated')
    .option('--leader-elect', 'use a Lease so that only one replica acts', false)
    .option('--lease-namespace <ns>', 'namespace of the leader-election Lease (default: $POD_NAMESPACE)')
    .option('--lease-name <name>', 'name of the leader-election Lease', 'alma-restore-operator-leader')
    .option(
      '--max-concurrent-restores <n>',
      'restores past Planning at once, in total',
      positiveInt('--max-concurrent-restores'),
      2,
    )
    .option(
      '--max-concurrent-per-database <n>',
      'restores past Planning at once per database',
      positiveInt('--max-concurrent-per-database'),
      1,
    )
    .addOption(
      new Option(
        '--pvc-bind-timeout <duration>',
        'fail a restore whose staging volume stays Pending this long',
      )
        .argParser(durationMs('--pvc-bind-timeout'))
        .default(15 * 60_000, '15m'),
    )
    .addOption(
      new Option(
        '--database-ready-timeout <duration>',
        'fail a restore whose managed database is not ready this long',
      )
        .argParser(durationMs('--database-ready-timeout'))
        .default(90 * 60_000, '90m'),
    )
    .option(
      '--pod-blocked-timeout <duration>',
      'fail a step (or the managed database) whose pod stays blocked this long: image pull, Secret, scheduling (e.g. 10m)',
      durationMs('--pod-blocked-timeout'),
      10 * 60_000,
    )
    .option('--runner-image <image>', 'image of the step Jobs (default: $RUNNER_IMAGE)')
    .option('--workers <n>', 'reconciles in flight at once (different restores)', positiveInt('--workers'), 2)
    .action(async (opts) => {
      const log = createLogger({ component: 'controller' });
      const [
        { loadKubeConfig },
        { shareConnections },
        { checkApiServer },
        { startManager },
        { createGuardHook },
      ] = await Promise.all([
        import('../runtime/kubeconfig.js'),
        import('../runtime/shared-agent.js'),
        import('./preflight.js'),
        import('./manager.js'),
        import('./guard-hook.js'),
      ]);
      const { kc, source } = loadKubeConfig({ kubeconfig: opts.kubeconfig, context: opts.context });
      // Keep-alive connections, not a TLS handshake per request (shared-agent.ts).
      if (!shareConnections(kc)) log.warn('client-node has no createAgent: requests are not pooled');
      const bind = parseBindAddress(opts.metricsBindAddress);
      const leaseNamespace = opts.leaseNamespace ?? process.env.POD_NAMESPACE;
      if (opts.leaderElect && !leaseNamespace) {
        throw new UserFacingError(
          '--leader-elect needs --lease-namespace or $POD_NAMESPACE',
          'BadFlag',
          EXIT.usage,
        );
      }
      const runnerImage = opts.runnerImage ?? process.env.RUNNER_IMAGE;
      if (!runnerImage) {
        throw new UserFacingError(
          'set the step runner image with --runner-image or $RUNNER_IMAGE',
          'BadFlag',
          EXIT.usage,
        );
      }
      const options: ManagerOptions = {
        watchNamespaces: ((opts.watchNamespace as string[] | undefined) ?? [])
          .flatMap((s) => s.split(','))
          .filter(Boolean),
        metricsHost: bind.host,
        metricsPort: bind.port,
        leaderElect: opts.leaderElect,
        leaseNamespace: leaseNamespace ?? 'default',
        leaseName: opts.leaseName,
        workers: opts.workers,
        maxConcurrentRestores: opts.maxConcurrentRestores,
        maxConcurrentPerDatabase: opts.maxConcurrentPerDatabase,
        pvcBindTimeoutMs: opts.pvcBindTimeout,
        databaseReadyTimeoutMs: opts.databaseReadyTimeout,
        podBlockedTimeoutMs: opts.podBlockedTimeout,
        runnerImage,
      };
      await checkApiServer(kc, source, options.watchNamespaces);
      const manager = await startManager(kc, options, log, (metrics) =>
        createGuardHook({ kc, metrics, log }),
      );
      const shutdown = (signal: string) => {
        log.info({ signal }, 'shutting down');
        void manager.stop();
      };
      process.once('SIGTERM', () => shutdown('SIGTERM'));
      process.once('SIGINT', () => shutdown('SIGINT'));
      await manager.done;
    });
}
