// `alma-restore verify`: the verify Job's entry point. Runs the POST_IMPORT checks against the
// real database and publishes the result (termination message + report).
import type { Command } from 'commander';
import { createLogger, type Logger } from '../../logging.js';
import { openDictionary } from '../../oracle/dictionary-oracledb.js';
import { openInventory } from '../../oracle/inventory-oracledb.js';
import { runStep, terminationSink, type StepCommandOptions } from '../command.js';
import { configOption, terminationLogOption } from '../options.js';
import { loadStepConfig, readSecretFile, stepReportDir } from '../../contract/step-config.js';
import { runVerify } from './run.js';

export function verifyCommand(opts: StepCommandOptions, log?: Logger): Promise<number> {
  return runStep({
    step: 'verify',
    log: log ?? createLogger({ step: 'verify' }),
    load: () => loadStepConfig(opts.config),
    restoreName: (config) => config.restore.name,
    run: async (config, logger) => {
      // Scrubbed from POST_IMPORT.sh's output, should it echo the schema password.
      const secrets = [await readSecretFile(config.database.schemaPasswordFile).catch(() => '')].filter(
        Boolean,
      );
      return runVerify(config, {
        openPdb: () => openDictionary(config, { module: 'alma-restore verify' }),
        openInventory: () => openInventory(config, { module: 'alma-restore verify (inventory)' }),
        logger,
        secrets,
      });
    },
    sinks: (config) => ({
      ...terminationSink(opts.terminationLog),
      ...(config ? { reportDir: stepReportDir(config) } : {}),
    }),
  });
}

export function registerVerifyCommand(program: Command): void {
  program
    .command('verify')
    .description(
      'verify the import: tables, invalid objects, constraints, indexes, partitions, policies, statistics, POST_IMPORT.sh',
    )
    .addOption(configOption())
    .addOption(terminationLogOption())
    .action(async (opts: StepCommandOptions) => {
      process.exitCode = await verifyCommand(opts);
    });
}
