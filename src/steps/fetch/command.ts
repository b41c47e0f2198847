// `alma-restore fetch`: the fetch Job's entry point, also usable by hand on a server. Reads the
// StepConfig, lets flags override it, runs the fetch and ends with a StepResult (termination
// message + report file) and a documented exit code (see contract/exit-codes.ts and docs/fetch.md).
import { Command, Option } from 'commander';
import { createLogger, type Logger } from '../../logging.js';
import { configOption, durationOption, terminationLogOption } from '../options.js';
import type { StepResult } from '../../contract/result.js';
import { runStep, terminationSink } from '../command.js';
import { FETCH_EXIT } from '../../contract/exit-codes.js';
import type { FetchSummary } from '../../contract/summaries.js';
import { loadFetchSettings, type FetchFlags, type FetchSettings } from './options.js';
import { emptyReport, runFetch, type FetchDeps, type FetchReport } from './run.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** A small summary for the termination message (< 4 KiB); the report file has everything. */
export function summarise(report: FetchReport): FetchSummary {
  return {
    bytesTransferred: report.bytesTransferred,
    durationSeconds: Math.round(report.durationSeconds),
    institutions: report.institutions.map((i) => ({
      id: i.institutionId,
      files: i.files.length,
      extractedBytes: i.extractedBytes,
      compressedBytes: i.compressedBytes,
      reconnects: i.reconnects,
      ...(i.parfile ? { dumpFiles: i.parfile.dumpFiles.length } : {}),
    })),
    warnings: report.warnings.length,
  };
}

/** Runs the step and publishes its result; returns the exit code. Used by the CLI and tests. */
export function fetchCommand(
  flags: FetchFlags,
  deps: Partial<FetchDeps> & { print?: (line: string) => void } = {},
): Promise<number> {
  const log: Logger = deps.log ?? createLogger({ step: 'fetch' });
  // The report is filled in as the fetch goes, so a failure still shows how far it got.
  return runStep<{ settings: FetchSettings; report: FetchReport }>({
    step: 'fetch',
    log,
    load: async () => {
      const settings = await loadFetchSettings(flags);
      return { settings, report: emptyReport(settings) };
    },
    run: async ({ settings, report }) => {
      await runFetch(settings, { ...deps, log }, report);
      const warnings = report.warnings;
      const files = report.institutions.reduce((n, i) => n + i.files.length, 0);
      const result: StepResult = {
        version: 1,
        step: 'fetch',
        outcome: warnings.length > 0 ? 'SucceededWithWarnings' : 'Succeeded',
        reason: warnings.length > 0 ? 'FetchedWithWarnings' : 'Fetched',
        message:
          `fetched ${files} dump file(s) for ${report.institutions.length} institution(s), ` +
          `${report.bytesTransferred} bytes transferred in ${Math.round(report.durationSeconds)} s` +
          (warnings.length > 0 ? `; ${warnings.length} warning(s): ${warnings[0]}` : ''),
        summary: summarise(report),
      };
      return { result, report, exitCode: FETCH_EXIT.ok };
    },
    onThrow: (exitCode, loaded) => ({
      summary: loaded ? { ...summarise(loaded.report), exitCode } : { exitCode },
      report: loaded?.report ?? null,
    }),
    sinks: (loaded) => ({
      // Even when the settings could not be loaded, the flag says where the result goes.
      ...terminationSink(loaded?.settings.terminationLog ?? flags.terminationLog),
      ...(loaded && loaded.report.institutions.length > 0 ? { reportDir: loaded.settings.reportDir } : {}),
    }),
    print: deps.print ?? ((line: string) => process.stdout.write(line)),
  });
}

export function registerFetchCommand(program: Command): void {
  program
    .command('fetch')
    .description(
      'Fetch an Alma Local Backup delivery from SFTP onto the staging volume: wait for it, stream the ' +
        'tar.gz parts through gunzip and tar (or stage them), verify files and parfile. ' +
        'Exit codes: 0 ok, 2 usage, 10 not there yet, 11 bad delivery, 12 transport, 13 no space, 14 host key, 15 auth.',
    )
    .addOption(configOption(true))
    .option('--host <host>', 'SFTP server')
    .option('--port <port>', 'SFTP port')
    .option('--directory <dir>', 'directory on the SFTP server holding the delivery')
    .option('--customer <id>', 'Alma customer id')
    .option('--institution <id>', 'Alma institution id (repeatable; order = fetch order)', collect)
    .option(
      '--credentials-dir <dir>',
      'directory with username, password|privateKey [passphrase], knownHosts',
    )
    .option('--dest <dir>', 'staging directory (local_<C>_<I>/ is created in it)')
    .addOption(
      new Option('--mode <mode>', 'stream: parts never stored; stage: parts kept on disk first').choices([
        'stream',
        'stage',
      ]),
    )
    .addOption(
      durationOption(
        '--wait <duration>',
        'how long to wait for the delivery to appear and stop growing, like spec.source.sftp.waitForDelivery; connection retries stop then too',
        '0s, but at least --stable-for',
      ),
    )
    .addOption(
      durationOption('--stable-for <duration>', 'a file counts as uploaded when unchanged this long', '10s'),
    )
    .option('--report-dir <dir>', 'where fetch-report.json goes (default <dest>/reports)')
    .option('--insecure-skip-host-key-verification', 'accept any host key (logs the fingerprint seen)')
    .addOption(durationOption('--progress-interval <duration>', 'time between progress log lines', '10s'))
    .option('--reserve <size>', 'space always left free on the staging volume (default 64Mi)')
    .option('--keep-parts', 'stage mode: keep the downloaded parts after a successful extraction')
    .addOption(terminationLogOption())
    .action(async (opts: FetchFlags) => {
      process.exitCode = await fetchCommand(opts);
    });
}
