// `alma-restore import`: the import Job's entry point, also usable by hand. Reads the StepConfig,
// runs (or resumes) the Data Pump import of every institution in order, and ends with a
// StepResult (termination message + report file) and a documented exit code (contract/exit-codes.ts,
// docs/import.md). SIGTERM stops watching (at the latest when the current GET_STATUS wait ends);
// the Data Pump job itself keeps running in the database and the next run attaches to it.
import { Command, Option } from 'commander';
import { UserFacingError } from '../../errors.js';
import { createLogger, type Logger } from '../../logging.js';
import {
  DEFAULT_CONFIG_PATH,
  loadStepConfig,
  stepReportDir,
  type StepConfig,
} from '../../contract/step-config.js';
import { runStep, terminationSink } from '../command.js';
import { openConnection, readDatabaseCredentials } from '../../oracle/connection.js';
import { DataPumpApiEngine, type ImportEngine } from '../../oracle/datapump-api.js';
import { ImpdpEngine } from '../../oracle/datapump-impdp.js';
import { OracleDataPumpSession } from '../../oracle/datapump-session.js';
import { configOption, durationOption, parseDurationFlag, terminationLogOption } from '../options.js';
import { runImport } from './runner.js';

export interface ImportFlags {
  config?: string;
  fresh?: boolean;
  engine?: 'datapump-api' | 'impdp';
  progressInterval?: string;
  impdp?: string;
  dryRun?: boolean;
  terminationLog?: string;
}

/** The engine the config (or flag) names, on real connections. */
export function createEngine(config: StepConfig, flags: ImportFlags): ImportEngine {
  const openSession = async (): Promise<OracleDataPumpSession> =>
    new OracleDataPumpSession(await openConnection(config, { module: 'alma-restore import' }));
  const engine = flags.engine ?? config.import.engine;
  if (engine === 'impdp') {
    return new ImpdpEngine({
      binary: flags.impdp ?? 'impdp',
      connectString: config.database.connectString,
      credentials: () => readDatabaseCredentials(config.database.credentialsDir),
      findJob: async (jobName) => {
        const s = await openSession();
        try {
          return await s.findJob(jobName);
        } finally {
          await s.close().catch(() => undefined);
        }
      },
    });
  }
  return new DataPumpApiEngine(openSession);
}

function parseInterval(text: string | undefined): number {
  if (text === undefined) return 30_000;
  const seconds = parseDurationFlag(text, '--progress-interval');
  if (seconds < 1 || seconds > 3600) {
    throw new UserFacingError(
      `--progress-interval must be between 1s and 1h, got ${JSON.stringify(text)}`,
      'UsageError',
    );
  }
  return Math.round(seconds * 1000);
}

/** Runs the step and publishes its result; returns the exit code. */
export function importCommand(
  flags: ImportFlags,
  deps: { log?: Logger; engine?: ImportEngine; print?: (line: string) => void; signal?: AbortSignal } = {},
): Promise<number> {
  const signal = deps.signal;
  return runStep<{ config: StepConfig; intervalMs: number }>({
    step: 'import',
    log: deps.log ?? createLogger({ step: 'import' }),
    load: async () => {
      const intervalMs = parseInterval(flags.progressInterval);
      return { intervalMs, config: await loadStepConfig(flags.config ?? DEFAULT_CONFIG_PATH) };
    },
    run: ({ config, intervalMs }, log) =>
      runImport({
        config,
        engine: deps.engine ?? createEngine(config, flags),
        logger: log,
        fresh: flags.fresh ?? false,
        dryRun: flags.dryRun ?? false,
        intervalMs,
        ...(signal ? { signal } : {}),
      }),
    onThrow: (exitCode) => ({ summary: { exitCode } }),
    sinks: (loaded) => ({
      ...terminationSink(flags.terminationLog),
      ...(loaded ? { reportDir: stepReportDir(loaded.config) } : {}),
    }),
    print: deps.print ?? ((line: string) => process.stdout.write(line)),
  });
}

export function registerImportCommand(program: Command): void {
  program
    .command('import')
    .description(
      'Import the delivered Data Pump dump of every institution, in order, following the delivered parfile. ' +
        'Resumes a job left by an earlier attempt. Exit codes: 0 ok (also with expected errors), 1 internal, ' +
        '2 usage/parfile/missing dump files, 20 completed with unexpected errors, 21 stopped (run again to ' +
        'resume), 22 Data Pump refused to start, 23 database unreachable.',
    )
    .addOption(configOption())
    .option(
      '--fresh',
      'kill an existing Data Pump job of the same name and start over (also re-imports done institutions)',
    )
    .addOption(new Option('--engine <engine>', 'override import.engine').choices(['datapump-api', 'impdp']))
    .addOption(
      durationOption(
        '--progress-interval <duration>',
        'time between progress lines (and status polls), 1s..1h',
      ).default('30s'),
    )
    .option('--impdp <path>', 'the impdp executable for --engine impdp', 'impdp')
    .option('--dry-run', 'build, print and record the plans; run nothing')
    .addOption(terminationLogOption())
    .action(async (flags: ImportFlags) => {
      const ac = new AbortController();
      const onTerm = (): void => ac.abort();
      process.once('SIGTERM', onTerm);
      try {
        process.exitCode = await importCommand(flags, { signal: ac.signal });
      } finally {
        process.off('SIGTERM', onTerm);
      }
    });
}
