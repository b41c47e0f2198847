// `alma-restore prepare`: the prepare Job's entry point. Reads the step configuration, runs the
// step against the real database, and publishes the result (termination message + report).
import type { Command } from 'commander';
import { createLogger, type Logger } from '../../logging.js';
import { loadStepConfig, stepReportDir } from '../../contract/step-config.js';
import { openDictionary } from '../../oracle/dictionary-oracledb.js';
import { runStep, terminationSink, type StepCommandOptions } from '../command.js';
import { configOption, terminationLogOption } from '../options.js';
import { runPrepare } from './run.js';

export function prepareCommand(opts: StepCommandOptions, log?: Logger): Promise<number> {
  return runStep({
    step: 'prepare',
    log: log ?? createLogger({ step: 'prepare' }),
    load: () => loadStepConfig(opts.config),
    restoreName: (config) => config.restore.name,
    run: (config, logger) => {
      const module = 'alma-restore prepare';
      return runPrepare(config, {
        openPdb: () => openDictionary(config, { module }),
        ...(config.database.rootConnectString
          ? { openRoot: () => openDictionary(config, { module, root: true }) }
          : {}),
        logger,
      });
    },
    sinks: (config) => ({
      ...terminationSink(opts.terminationLog),
      ...(config ? { reportDir: stepReportDir(config) } : {}),
    }),
  });
}

export function registerPrepareCommand(program: Command): void {
  program
    .command('prepare')
    .description('prepare the database: tablespaces, schema users, grants, directory objects, redo logs')
    .addOption(configOption())
    .addOption(terminationLogOption())
    .action(async (opts: StepCommandOptions) => {
      process.exitCode = await prepareCommand(opts);
    });
}
