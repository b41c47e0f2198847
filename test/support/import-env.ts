// The import runner's test environment: a staging folder with a vendor-style delivery per
// institution, a StepConfig, a captured logger, and the DBMS_DATAPUMP double whose directory
// objects point at the institutions' folders; plus engines on it and a one-call import run.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../src/logging.js';
import type { StepConfig } from '../../src/contract/step-config.js';
import { institutionLayout } from '../../src/contract/step-config.js';
import { DataPumpApiEngine } from '../../src/oracle/datapump-api.js';
import { runImport } from '../../src/steps/import/runner.js';
import { testStepConfig } from './dictionary-double.js';
import { DataPumpDouble, defaultScript } from './datapump-double.js';

export interface Env {
  dir: string;
  config: StepConfig;
  logLines: string[];
  logger: ReturnType<typeof createLogger>;
  double: DataPumpDouble;
}

export async function setup(
  t: { after: (fn: () => Promise<void>) => void },
  institutions = ['3978'],
): Promise<Env> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'import-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const config = testStepConfig(dir, {
    restore: { namespace: 'lib', name: 'nightly' },
    institutions: institutions.map((id, i) => ({
      institutionId: id,
      schema: i === 0 ? 'EXL_ADMIN' : `EXL_ADMIN_${i + 1}`,
      tablespace: i === 0 ? 'USERS' : `USERS${i + 1}`,
      bibRecords: 1000,
      tablespaceBytes: 1e9,
    })),
    database: {
      connectString: 'db:1521/ALMAPDB',
      credentialsDir: path.join(dir, 'creds'),
      schemaPasswordFile: path.join(dir, 'schema-pw'),
      directoryPath: dir,
    },
  });
  for (const inst of config.institutions) {
    const layout = institutionLayout(config, inst);
    await mkdir(layout.scriptsDir, { recursive: true });
    const tag = `3975_${inst.institutionId}`;
    await writeFile(
      layout.parfilePath,
      `dumpfile=local_backup_final_${tag}_%U.dmp\nLOGFILE=import_${tag}.log\nREMAP_SCHEMA=EXL_ADMIN:EXL_ADMIN\nREMAP_TABLESPACE=USERS:USERS\n`,
    );
    for (const n of ['01', '02', '03'])
      await writeFile(path.join(layout.localDir, `local_backup_final_${tag}_${n}.dmp`), '');
  }
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logLines.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  const logger = createLogger({ step: 'import' }, sink);
  // The directory object EXP_DIR_<inst> points at the institution's folder on the shared volume.
  const double = new DataPumpDouble(defaultScript(), (directory) => {
    const inst = config.institutions.find((i) => directory.endsWith(`_${i.institutionId}`))!;
    return institutionLayout(config, inst).localDir;
  });
  return { dir, config, logLines, logger, double };
}

export function engineOn(
  double: DataPumpDouble,
  sessions: ReturnType<DataPumpDouble['session']>[] = [],
  afterPoll?: (polls: number) => void,
): DataPumpApiEngine {
  let polls = 0;
  return new DataPumpApiEngine(async () => {
    const s = double.session();
    sessions.push(s);
    if (!afterPoll) return s;
    // The pod "dies" after a number of GET_STATUS calls (the test aborts the run there).
    return {
      ...s,
      getStatus: async (h: number, wait: number) => {
        const status = await s.getStatus(h, wait);
        afterPoll(++polls);
        return status;
      },
    };
  });
}

/** One import run on a fresh engine; GET_STATUS's waits advance the double's virtual clock. */
export function importOn(env: Env, extra: Partial<Parameters<typeof runImport>[0]> = {}) {
  return runImport({
    config: env.config,
    engine: engineOn(env.double),
    logger: env.logger,
    intervalMs: 1,
    now: () => env.double.clock.now,
    ...extra,
  });
}
