// The durable record, on the staging volume, that this restore started a Data Pump job for an
// institution. Written before START_JOB ("starting") and again once START_JOB returned
// ("started"), so that a later run knows a job existed even when the database no longer shows
// it: a completed job drops its master table and leaves no DBA_DATAPUMP_JOBS row. Without the
// record a rerun would open a second job over a finished import.
// Writes are atomic (a temporary file created with O_EXCL|O_NOFOLLOW, fsync, rename over the
// target) and never follow a symbolic link; a record that is a symlink is refused, not read.
import { constants } from 'node:fs';
import { lstat, mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { UserFacingError } from '../../errors.js';

export interface JobRecord {
  version: 1;
  jobName: string;
  /** planDigest() of the plan the job was defined from. */
  digest: string;
  engine: string;
  /** "starting": written just before START_JOB; "started": START_JOB returned. */
  phase: 'starting' | 'started';
  /** The Data Pump log (path on the staging volume) whose final job line decides. */
  logfile: string;
  at: string;
}

async function refuseSymlink(file: string, what: string): Promise<void> {
  const st = await lstat(file).catch(() => undefined);
  if (st?.isSymbolicLink()) {
    throw new UserFacingError(
      `${what} ${file} is a symbolic link; refusing to follow it (remove it and run again)`,
      'StagingUnsafe',
    );
  }
}

/** Atomic, durable, symlink-safe write of a small text file. */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true });
  await refuseSymlink(dir, 'the report folder');
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  const fh = await open(
    tmp,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    0o600,
  );
  try {
    await fh.writeFile(content);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    // rename() replaces the directory entry itself, a symlink included: it never writes through one.
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  const dh = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}

/** Reads a text file without following a symlink; undefined when it does not exist. */
export async function readFileNoFollow(file: string): Promise<string | undefined> {
  let fh;
  try {
    fh = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') await refuseSymlink(file, 'the file');
    throw err;
  }
  try {
    return await fh.readFile('utf8');
  } finally {
    await fh.close();
  }
}

export function jobRecordPath(reportDir: string, institutionId: string): string {
  return path.join(reportDir, `import-${institutionId}.job.json`);
}

export async function readJobRecord(file: string): Promise<JobRecord | undefined> {
  const text = await readFileNoFollow(file);
  if (text === undefined) return undefined;
  try {
    const r = JSON.parse(text) as Partial<JobRecord>;
    if (r.version === 1 && typeof r.jobName === 'string' && typeof r.digest === 'string')
      return r as JobRecord;
  } catch {
    // fall through
  }
  throw new UserFacingError(
    `the job record ${file} is not readable JSON; remove it only if no Data Pump job of this restore ` +
      'ever ran (or run with --fresh)',
    'StagingUnsafe',
  );
}

export async function writeJobRecord(file: string, record: JobRecord): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(record, null, 2) + '\n');
}

export async function removeJobRecord(file: string): Promise<void> {
  await refuseSymlink(file, 'the job record');
  await rm(file, { force: true });
}
