// The fetch step, institution by institution: wait for the delivery, unpack the scripts zip,
// stream (or stage, then read) the parts through gunzip and tar into the institution's folder,
// check the parfile against the dump files, and account for everything in a report.
import { existsSync } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { UserFacingError, errorMessage } from '../../errors.js';
import type { Logger } from '../../logging.js';
import { institutionLayout, type InstitutionConfig } from '../../contract/step-config.js';
import { connectSftp, DEFAULT_RETRY, type RetryPolicy, type SftpSession } from '../../sftp/connection.js';
import { readSftpCredentials } from '../../sftp/credentials.js';
import { SCRIPTS_ZIP, type DeliveryListing } from '../../sftp/discovery.js';
import {
  ReadAborted,
  concatParts,
  type ConcatHooks,
  type ReadTuning,
  type RemotePart,
} from '../../sftp/range-reader.js';
import { realClock, waitForDelivery, type WaitClock } from '../../sftp/wait.js';
import { FETCH_EXIT } from '../../contract/exit-codes.js';
import { extractTarGz, type ExtractedFile } from './extract.js';
import type { FetchSettings } from './options.js';
import { checkParfile, type ParfileSummary } from './parfile-check.js';
import { progressFields } from '../../contract/progress-record.js';
import { Progress, waitingProgress, type InstitutionShare } from './progress.js';
import { MAX_SCRIPTS_ZIP_BYTES, unpackScriptsZip, type ZipMember } from './scripts-zip.js';
import { ensureSpace, formatBytes } from './space.js';
import { readStagedParts, stageParts, stagedBytes } from './stage.js';
import { RESERVED_PREFIX, deliverySignature, loadState, saveState } from './state.js';
import { ensureDirInside, type SafeRoot } from '../safe-fs.js';

export const PARTS_DIR = `${RESERVED_PREFIX}-parts`;

export interface InstitutionReport {
  institutionId: string;
  folder: string;
  localDir: string;
  mode: 'stream' | 'stage';
  /** True when an earlier run had fetched this delivery completely. */
  alreadyComplete: boolean;
  parts: { name: string; size: number }[];
  compressedBytes: number;
  bytesTransferred: number;
  extractedBytes: number;
  reconnects: number;
  files: ExtractedFile[];
  scripts: ZipMember[];
  parfile?: ParfileSummary;
  warnings: string[];
  durationSeconds: number;
}

export interface FetchReport {
  server: string;
  directory: string;
  hostKeyFingerprint?: string;
  institutions: InstitutionReport[];
  bytesTransferred: number;
  durationSeconds: number;
  warnings: string[];
}

export interface FetchDeps {
  log: Logger;
  env?: NodeJS.ProcessEnv;
  retry?: RetryPolicy;
  tuning?: ReadTuning;
  clock?: WaitClock;
  /** Delivery listing poll interval while waiting (default 30 s, or stable-for if shorter). */
  pollMs?: number;
  hooks?: ConcatHooks & {
    onFileComplete?: (f: ExtractedFile) => void | Promise<void>;
    onFileStart?: (rel: string) => void | Promise<void>;
  };
  /** Aborted when the fetch ends: readers still in flight stop instead of reconnecting. */
  signal?: AbortSignal;
}

export function emptyReport(settings: FetchSettings): FetchReport {
  const s = settings.config.sftp;
  return {
    server: `${s.host}:${s.port}`,
    directory: s.directory,
    institutions: [],
    bytesTransferred: 0,
    durationSeconds: 0,
    warnings: [],
  };
}

function shareOf(all: InstitutionConfig[], inst: InstitutionConfig): InstitutionShare {
  return { index: Math.max(0, all.indexOf(inst)), count: Math.max(1, all.length) };
}

/**
 * The first part must begin a gzip stream (RFC 1952: ID1 0x1f, ID2 0x8b). When it does not, the
 * part before it is missing (e.g. `.00` absent and the run starting at `.01`, which a listing
 * cannot tell from `split --numeric-suffixes=1`): that is a missing part, not a corrupt gzip.
 */
async function* requireGzipStart(src: AsyncIterable<Buffer>, first: string): AsyncGenerator<Buffer> {
  let checked = false;
  for await (const chunk of src) {
    if (!checked && chunk.length >= 2) {
      checked = true;
      if (chunk[0] !== 0x1f || chunk[1] !== 0x8b) {
        throw bad(
          `${first} does not begin a gzip stream, so the part before it is missing (the tarball's first part); ask the vendor to upload it`,
          'DeliveryPartMissing',
        );
      }
    }
    yield chunk;
  }
}

function bad(message: string, reason: string): UserFacingError {
  return new UserFacingError(message, reason, FETCH_EXIT.badDelivery);
}

/** Reads a whole (small) remote file, with the same reconnect-and-continue as the parts. */
async function readSmallFile(
  part: RemotePart,
  session: (f: boolean) => Promise<SftpSession>,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of concatParts({ parts: [part], session })) chunks.push(c);
  return Buffer.concat(chunks);
}

async function waitFor(
  inst: InstitutionConfig,
  settings: FetchSettings,
  deps: FetchDeps,
  deadlineMs: number,
  session: (f: boolean) => Promise<SftpSession>,
): Promise<DeliveryListing> {
  const { config } = settings;
  const dir = config.sftp.directory;
  const stableForMs = config.sftp.stableForSeconds * 1000;
  let lastSaid = '';
  const clock = deps.clock ?? realClock;
  const waitingSinceMs = clock.now();
  const list = async () => {
    try {
      return await (await session(false)).list(dir);
    } catch (err) {
      if (err instanceof UserFacingError) throw err;
      if (/no such file/i.test(errorMessage(err))) {
        throw new UserFacingError(
          `the SFTP directory ${dir} does not exist on ${config.sftp.host}`,
          'DeliveryDirectoryMissing',
          FETCH_EXIT.notReady,
        );
      }
      return (await session(true)).list(dir);
    }
  };
  const outcome = await waitForDelivery(
    list,
    {
      customerId: config.customerId,
      institutionId: inst.institutionId,
      deadlineMs,
      stableForMs,
      pollMs: deps.pollMs ?? Math.min(30_000, Math.max(1000, stableForMs)),
    },
    clock,
    (waitingFor, files) => {
      if (waitingFor !== lastSaid)
        deps.log.info({ institution: inst.institutionId, waitingFor }, `waiting for ${waitingFor}`);
      lastSaid = waitingFor;
      const share = shareOf(config.institutions, inst);
      deps.log.info(
        progressFields(waitingProgress(inst.institutionId, share, waitingFor, files, waitingSinceMs)),
        'progress',
      );
    },
  );
  const where = `${config.sftp.host}:${dir}`;
  switch (outcome.kind) {
    case 'ready':
      return outcome.delivery;
    case 'absent':
      throw new UserFacingError(
        `no delivery for institution ${inst.institutionId} in ${where} yet (waited ${config.sftp.waitForDeliverySeconds} s for ${outcome.waitingFor}); run again when Ex Libris reports the upload done`,
        'DeliveryNotFound',
        FETCH_EXIT.notReady,
      );
    case 'incomplete':
      throw new UserFacingError(
        `the delivery for institution ${inst.institutionId} in ${where} is not complete yet: waiting for ${outcome.waitingFor} when the wait of ${config.sftp.waitForDeliverySeconds} s ended`,
        'DeliveryIncomplete',
        FETCH_EXIT.notReady,
      );
    case 'gap':
      throw bad(
        `the delivery for institution ${inst.institutionId} in ${where} lacks ${outcome.delivery.missingParts.join(', ')} ` +
          `while the other parts have not changed for ${config.sftp.stableForSeconds} s; ask the vendor to upload it`,
        'DeliveryPartMissing',
      );
  }
}

async function fetchInstitution(
  inst: InstitutionConfig,
  delivery: DeliveryListing,
  settings: FetchSettings,
  deps: FetchDeps,
  session: (f: boolean) => Promise<SftpSession>,
  report: InstitutionReport,
): Promise<void> {
  const { config } = settings;
  const layout = institutionLayout(config, inst);
  const label = `institution ${inst.institutionId}`;
  const zip = delivery.zip;
  if (!zip) throw new Error('unreachable: delivery without zip');
  const remote = (name: string) => path.posix.join(config.sftp.directory, name);
  const parts: RemotePart[] = delivery.parts.map((p) => ({
    path: remote(p.name),
    name: p.name,
    size: p.size,
  }));
  report.parts = parts.map((p) => ({ name: p.name, size: p.size }));
  report.compressedBytes = parts.reduce((n, p) => n + p.size, 0);
  report.warnings.push(...delivery.warnings);

  // Every write below the staging directory goes through safe-fs: no planted link is followed.
  const root: SafeRoot = { root: config.stagingDir, exitCode: FETCH_EXIT.unsafeStaging };
  await ensureDirInside(root, layout.folder);
  const state = await loadState(layout.localDir, deliverySignature([zip, ...delivery.parts]));
  const onDisk = async () => {
    for (const [name, rec] of Object.entries(state.files)) {
      if ((await stat(path.join(layout.localDir, name)).catch(() => undefined))?.size !== rec.size)
        return false;
    }
    return existsSync(layout.parfilePath);
  };
  if (state.complete && (await onDisk())) {
    deps.log.info(
      { institution: inst.institutionId },
      `${label}: this delivery was fetched completely before; checking it only`,
    );
    report.alreadyComplete = true;
    report.files = Object.entries(state.files).map(([name, r]) => ({
      name,
      size: r.size,
      sha256: r.sha256,
      status: 'kept' as const,
    }));
    report.scripts = Object.entries(state.scripts).map(([name, r]) => ({ name, ...r }));
  } else {
    state.complete = false;
    // Space first: at least the compressed size is still to be written (dump files compress
    // several times, so this is a floor), plus the parts in stage mode.
    const done = Object.values(state.files).reduce((n, f) => n + f.size, 0);
    const partsDir = path.join(layout.localDir, PARTS_DIR);
    const staged =
      config.sftp.mode === 'stage' ? (await stagedBytes(parts, partsDir)).reduce((a, b) => a + b, 0) : 0;
    const need =
      Math.max(0, report.compressedBytes - done) +
      (config.sftp.mode === 'stage' ? report.compressedBytes - staged : 0);
    const free = await ensureSpace(layout.localDir, need, settings.reserveBytes, `the delivery of ${label}`);
    deps.log.info(
      {
        institution: inst.institutionId,
        parts: parts.length,
        compressedBytes: report.compressedBytes,
        freeBytes: free,
        mode: config.sftp.mode,
      },
      `${label}: fetching ${parts.length} part(s), ${formatBytes(report.compressedBytes)} compressed, ${formatBytes(free)} free`,
    );

    if (zip.size > MAX_SCRIPTS_ZIP_BYTES) {
      throw bad(
        `${SCRIPTS_ZIP} is ${formatBytes(zip.size)}, larger than a scripts package can be`,
        'BadScriptsZip',
      );
    }
    const zipBytes = await readSmallFile({ path: remote(zip.name), name: zip.name, size: zip.size }, session);
    report.bytesTransferred += zipBytes.length;
    report.scripts = await unpackScriptsZip(zipBytes, {
      root,
      dir: path.posix.join(layout.folder, 'scripts'),
      reserveBytes: settings.reserveBytes,
    });
    state.scripts = Object.fromEntries(
      report.scripts.map((m) => [m.name, { size: m.size, sha256: m.sha256 }]),
    );
    await saveState(root, layout.folder, state);

    const progress = new Progress(
      deps.log.child({ institution: inst.institutionId }),
      settings.progressIntervalMs,
      { institutionId: inst.institutionId, share: shareOf(config.institutions, inst) },
    );
    const hooks: ConcatHooks = {
      ...deps.hooks,
      onReconnect: (pos, err) => {
        report.reconnects++;
        deps.log.warn(
          {
            institution: inst.institutionId,
            part: parts[pos.part]?.name,
            offset: pos.offset,
            err: errorMessage(err),
          },
          `connection lost; reconnecting and continuing ${parts[pos.part]?.name} at byte ${pos.offset}`,
        );
        deps.hooks?.onReconnect?.(pos, err);
      },
      onPart: (part) => {
        progress.currentPart = part.name;
      },
    };
    const extractOpts = {
      root,
      folder: layout.folder,
      localDir: layout.localDir,
      state,
      reserveBytes: settings.reserveBytes,
      progress,
      label,
      ...(deps.hooks?.onFileComplete ? { onFileComplete: deps.hooks.onFileComplete } : {}),
      ...(deps.hooks?.onFileStart ? { onFileStart: deps.hooks.onFileStart } : {}),
    };
    progress.start();
    try {
      if (config.sftp.mode === 'stream') {
        progress.phase = 'stream';
        progress.total = report.compressedBytes;
        const counted = async function* (src: AsyncIterable<Buffer>) {
          for await (const c of src) {
            progress.transferred += c.length;
            report.bytesTransferred += c.length;
            yield c;
          }
        };
        report.files = await extractTarGz(
          requireGzipStart(
            counted(
              concatParts({
                parts,
                session,
                hooks,
                ...(deps.tuning ? { tuning: deps.tuning } : {}),
                ...(deps.signal ? { signal: deps.signal } : {}),
              }),
            ),
            parts[0]?.name ?? '',
          ),
          extractOpts,
        );
      } else {
        progress.phase = 'download';
        progress.total = report.compressedBytes;
        progress.transferred = staged;
        report.bytesTransferred += await stageParts({
          parts,
          root,
          partsRel: path.posix.join(layout.folder, PARTS_DIR),
          partsDir,
          session,
          progress,
          reserveBytes: settings.reserveBytes,
          hooks,
          ...(deps.tuning ? { tuning: deps.tuning } : {}),
          ...(deps.signal ? { signal: deps.signal } : {}),
        });
        progress.phase = 'extract';
        progress.transferred = 0;
        progress.currentFile = '';
        report.files = await extractTarGz(
          requireGzipStart(readStagedParts(parts, partsDir, progress), parts[0]?.name ?? ''),
          extractOpts,
        );
        if (!settings.keepParts) await rm(partsDir, { recursive: true, force: true });
      }
    } finally {
      progress.stop();
    }
    progress.report();
    state.complete = true;
    await saveState(root, layout.folder, state);
  }
  report.extractedBytes = report.files.reduce((n, f) => n + f.size, 0);

  // The parfile decides what impdp reads: it must match what was delivered.
  if (!existsSync(layout.parfilePath)) {
    throw bad(
      `${SCRIPTS_ZIP} has no scripts/final_script_par.${config.customerId}_${inst.institutionId} (the parfile of ${label})`,
      'ParfileMissing',
    );
  }
  const parfile = checkParfile(
    await readFile(layout.parfilePath, 'utf8'),
    layout.parfilePath,
    report.files.map((f) => f.name),
    {
      customerId: config.customerId,
      institutionId: inst.institutionId,
      schema: inst.schema,
      tablespace: inst.tablespace,
    },
  );
  report.parfile = parfile;
  report.warnings.push(...parfile.warnings);
  // The import step would refuse this parfile: say so now, before the database is prepared.
  if (parfile.violations.length > 0) {
    throw bad(
      `${layout.parfilePath}: ${parfile.violations.map((v) => v.message).join('; ')}; ask Ex Libris for a corrected scripts package`,
      parfile.violations[0]!.reason,
    );
  }
  if (parfile.errors.length > 0) throw bad(parfile.errors.join('; '), 'ParfileMismatch');
}

/** Runs the whole fetch; fills `report` as it goes (so a failure still has a partial report). */
export async function runFetch(settings: FetchSettings, deps: FetchDeps, report: FetchReport): Promise<void> {
  const started = Date.now();
  const { config } = settings;
  const s = config.sftp;
  const credentials = await readSftpCredentials(s.credentialsDir || undefined, deps.env);
  const endpoint = {
    host: s.host,
    port: s.port,
    credentials,
    insecureSkipHostKeyVerification: s.insecureSkipHostKeyVerification,
  };
  const retry = deps.retry ?? DEFAULT_RETRY;
  let current: SftpSession | undefined;
  // While waiting for the delivery, connection retries end with the wait (a DNS typo must not
  // retry for a minute past --wait 5s); during a transfer they follow the retry policy alone.
  let connectDeadline: number | undefined;
  // Once the fetch is ending (result decided), nothing may open a new session: a reader still
  // in flight would otherwise take the closing of the last one for a dropped connection.
  const ending = new AbortController();
  const session = async (forceNew: boolean) => {
    if (ending.signal.aborted) throw new ReadAborted(ending.signal.reason);
    if (forceNew || !current || current.isClosed) {
      await current?.end();
      current = await connectSftp(endpoint, deps.log, retry, connectDeadline);
      report.hostKeyFingerprint = current.hostFingerprint;
    }
    return current;
  };
  // A generous floor: stability can only be judged after `stableFor` seconds of watching.
  const clock = deps.clock ?? realClock;
  const waitMs = Math.max(s.waitForDeliverySeconds, s.stableForSeconds) * 1000 + 1000;
  const deadlineMs = clock.now() + waitMs;
  const realDeadline = Date.now() + waitMs;
  try {
    connectDeadline = realDeadline;
    await session(false);
    deps.log.info(
      { server: report.server, fingerprint: report.hostKeyFingerprint },
      'connected to the SFTP server',
    );
    for (const inst of config.institutions) {
      const t0 = Date.now();
      const layout = institutionLayout(config, inst);
      const r: InstitutionReport = {
        institutionId: inst.institutionId,
        folder: layout.folder,
        localDir: layout.localDir,
        mode: s.mode,
        alreadyComplete: false,
        parts: [],
        compressedBytes: 0,
        bytesTransferred: 0,
        extractedBytes: 0,
        reconnects: 0,
        files: [],
        scripts: [],
        warnings: [],
        durationSeconds: 0,
      };
      report.institutions.push(r);
      try {
        connectDeadline = realDeadline;
        const delivery = await waitFor(inst, settings, deps, deadlineMs, session);
        connectDeadline = undefined;
        await fetchInstitution(inst, delivery, settings, { ...deps, signal: ending.signal }, session, r);
      } finally {
        r.durationSeconds = (Date.now() - t0) / 1000;
        report.bytesTransferred += r.bytesTransferred;
        report.warnings.push(...r.warnings.map((w) => `institution ${inst.institutionId}: ${w}`));
      }
    }
  } finally {
    report.durationSeconds = (Date.now() - started) / 1000;
    ending.abort(new Error('the fetch is ending'));
    await current?.end();
  }
}
