// `alma-restore prepare`: the prepare Job's entry point. Reads the step configuration, runs the
// step against the real database, and publishes the result (termination message + report).
import type { Command } from 'commander';
import { createLogger } from '../../logging.js';
import { openDictionary } from '../../oracle/dictionary-oracledb.js';
import { DEFAULT_CONFIG_PATH, loadStepConfig, stepReportDir } from '../config.js';
import { publishStepResult } from '../result.js';
import { runPrepare } from './run.js';

export function registerPrepareCommand(program: Command): void {
  program
    .command('prepare')
    .description('prepare the database: tablespaces, schema users, grants, directory objects, redo logs')
    .option('-c, --config <file>', 'step configuration JSON', DEFAULT_CONFIG_PATH)
    .option('--termination-log <file>', 'where to write the termination message')
    .action(async (opts: { config: string; terminationLog?: string }) => {
      const config = await loadStepConfig(opts.config);
      const logger = createLogger({ step: 'prepare', restore: config.restore.name });
      const module = 'alma-restore prepare';
      const { result, report } = await runPrepare(config, {
        openPdb: () => openDictionary(config, { module }),
        ...(config.database.rootConnectString
          ? { openRoot: () => openDictionary(config, { module, root: true }) }
          : {}),
        logger,
      });
      const published = await publishStepResult(result, report, {
        reportDir: stepReportDir(config),
        ...(opts.terminationLog ? { terminationLogPath: opts.terminationLog } : {}),
      });
      logger.info({ outcome: published.outcome, reason: published.reason }, published.message);
      if (published.outcome === 'Failed') process.exitCode = 1;
    });
}
