// `alma-restore verify`: the verify Job's entry point. Runs the POST_IMPORT checks against the
// real database and publishes the result (termination message + report).
import type { Command } from 'commander';
import { createLogger } from '../../logging.js';
import { openDictionary } from '../../oracle/dictionary-oracledb.js';
import { DEFAULT_CONFIG_PATH, loadStepConfig, stepReportDir, readSecretFile } from '../config.js';
import { publishStepResult } from '../result.js';
import { runVerify } from './run.js';

export function registerVerifyCommand(program: Command): void {
  program
    .command('verify')
    .description(
      'verify the import: tables, invalid objects, constraints, indexes, partitions, policies, statistics, POST_IMPORT.sh',
    )
    .option('-c, --config <file>', 'step configuration JSON', DEFAULT_CONFIG_PATH)
    .option('--termination-log <file>', 'where to write the termination message')
    .action(async (opts: { config: string; terminationLog?: string }) => {
      const config = await loadStepConfig(opts.config);
      const logger = createLogger({ step: 'verify', restore: config.restore.name });
      // Scrubbed from POST_IMPORT.sh's output, should it echo the schema password.
      const secrets = [await readSecretFile(config.database.schemaPasswordFile).catch(() => '')].filter(
        Boolean,
      );
      const { result, report } = await runVerify(config, {
        openPdb: () => openDictionary(config, { module: 'alma-restore verify' }),
        logger,
        secrets,
      });
      const published = await publishStepResult(result, report, {
        reportDir: stepReportDir(config),
        ...(opts.terminationLog ? { terminationLogPath: opts.terminationLog } : {}),
      });
      logger.info({ outcome: published.outcome, reason: published.reason }, published.message);
      if (published.outcome === 'Failed') process.exitCode = 1;
    });
}
