// One way to reach the database: a node-oracledb THIN connection (no Oracle client libraries in
// our image) to the PDB service named by StepConfig.database.connectString, as the admin account
// whose username and password are files in StepConfig.database.credentialsDir.
//
// The rest of the code sees only the small OracleConnection interface below, so tests can put a
// double behind it and no module but this one imports oracledb. Binds are plain values or
// `{ out: ... }` descriptors; OUT values and CLOB columns come back as plain strings/numbers.
import path from 'node:path';
import type { StepConfig } from '../contract/step-config.js';
import { readSecretFile } from '../contract/step-config.js';
import { UserFacingError, errorMessage } from '../errors.js';

export type OutBind = { out: 'number' } | { out: 'string'; maxSize?: number } | { out: 'clob' };
export type BindValue = string | number | null | OutBind;
export type OutValue = string | number | null;

export interface ExecuteResult<Row> {
  /** Query rows as objects keyed by upper-case column name (empty for non-queries). */
  rows: Row[];
  outBinds: Record<string, OutValue>;
  rowsAffected: number;
}

export interface OracleConnection {
  /** Runs one SQL statement or PL/SQL block with named binds. */
  execute<Row = Record<string, unknown>>(
    sql: string,
    binds?: Record<string, BindValue>,
  ): Promise<ExecuteResult<Row>>;
  commit(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseCredentials {
  username: string;
  password: string;
}

/** Reads `username` and `password` from a mounted Secret directory. */
export async function readDatabaseCredentials(credentialsDir: string): Promise<DatabaseCredentials> {
  const read = async (key: string): Promise<string> => {
    const file = path.join(credentialsDir, key);
    let value: string;
    try {
      value = await readSecretFile(file);
    } catch (err) {
      throw new UserFacingError(
        `cannot read the database ${key} from ${file}: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}; ` +
          `mount the admin credentials Secret (keys username, password) there`,
        'DatabaseCredentialsMissing',
      );
    }
    if (value === '') {
      throw new UserFacingError(`the database ${key} in ${file} is empty`, 'DatabaseCredentialsMissing');
    }
    return value;
  };
  return { username: await read('username'), password: await read('password') };
}

/** Upper-case Oracle error code at the start of a message ("ORA-39002"), if any. */
export function oracleErrorCode(err: unknown): string | undefined {
  const m = /\b(ORA|NJS|DPI|TNS)-(\d{3,5})\b/.exec(errorMessage(err));
  return m ? `${m[1]}-${m[2]}` : undefined;
}

// The subset of the oracledb module we use. Loaded lazily: tests that use a double never load it.
interface OracleDbModule {
  BIND_OUT: number;
  NUMBER: unknown;
  STRING: unknown;
  CLOB: unknown;
  OUT_FORMAT_OBJECT: number;
  fetchAsString: unknown[];
  getConnection(options: Record<string, unknown>): Promise<RawConnection>;
}
interface RawLob {
  getData(): Promise<string | Buffer>;
  destroy(): void;
}
interface RawConnection {
  execute(
    sql: string,
    binds: Record<string, unknown>,
    options: Record<string, unknown>,
  ): Promise<{ rows?: unknown[]; outBinds?: Record<string, unknown>; rowsAffected?: number }>;
  commit(): Promise<void>;
  close(): Promise<void>;
}

let oracledbModule: Promise<OracleDbModule> | undefined;
async function loadOracleDb(): Promise<OracleDbModule> {
  oracledbModule ??= import('oracledb' as string).then((m: { default?: OracleDbModule }) => {
    const mod = (m.default ?? m) as OracleDbModule;
    mod.fetchAsString = [mod.CLOB];
    return mod;
  });
  return oracledbModule;
}

class ThinConnection implements OracleConnection {
  constructor(
    private readonly db: OracleDbModule,
    private readonly raw: RawConnection,
  ) {}

  async execute<Row>(sql: string, binds: Record<string, BindValue> = {}): Promise<ExecuteResult<Row>> {
    const rawBinds: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(binds)) {
      if (value !== null && typeof value === 'object') {
        const type =
          value.out === 'number' ? this.db.NUMBER : value.out === 'clob' ? this.db.CLOB : this.db.STRING;
        rawBinds[name] = {
          dir: this.db.BIND_OUT,
          type,
          ...(value.out === 'string' ? { maxSize: value.maxSize ?? 4000 } : {}),
        };
      } else {
        rawBinds[name] = value;
      }
    }
    const result = await this.raw.execute(sql, rawBinds, { outFormat: this.db.OUT_FORMAT_OBJECT });
    const outBinds: Record<string, OutValue> = {};
    for (const [name, value] of Object.entries(result.outBinds ?? {})) {
      outBinds[name] = await plainValue(value);
    }
    return { rows: (result.rows ?? []) as Row[], outBinds, rowsAffected: result.rowsAffected ?? 0 };
  }

  commit(): Promise<void> {
    return this.raw.commit();
  }

  close(): Promise<void> {
    return this.raw.close();
  }
}

async function plainValue(value: unknown): Promise<OutValue> {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number') return value;
  const lob = value as Partial<RawLob>;
  if (typeof lob.getData === 'function') {
    try {
      const data = await lob.getData();
      return data === null ? null : String(data);
    } finally {
      lob.destroy?.();
    }
  }
  return String(value);
}

export interface OpenConnectionOptions {
  /** Use these instead of reading config.database.credentialsDir. */
  credentials?: DatabaseCredentials;
  /** Recorded in V$SESSION.MODULE, e.g. "alma-restore import". */
  module?: string;
  /** Give up connecting after this long (the driver's default is 20 s). */
  connectTimeoutSeconds?: number;
  /** Give up on any one round trip after this long (default: none; an import call may run for hours). */
  callTimeoutMs?: number;
}

/**
 * Opens a thin connection to config.database.connectString. Errors name the user and the Oracle
 * error, never the password or the connect string (it may carry credentials in some setups).
 */
export async function openConnection(
  config: StepConfig,
  options: OpenConnectionOptions = {},
): Promise<OracleConnection> {
  const credentials = options.credentials ?? (await readDatabaseCredentials(config.database.credentialsDir));
  const db = await loadOracleDb();
  let raw: RawConnection;
  try {
    raw = await db.getConnection({
      user: credentials.username,
      password: credentials.password,
      connectString: config.database.connectString,
      ...(options.connectTimeoutSeconds ? { connectTimeout: options.connectTimeoutSeconds } : {}),
    });
  } catch (err) {
    const code = oracleErrorCode(err);
    throw new UserFacingError(
      `cannot connect to the database as ${credentials.username}: ${scrub(errorMessage(err), credentials.password)}` +
        (code === 'ORA-01017' ? ' (check the admin credentials Secret)' : '') +
        // Thick mode says ORA-12514; thin mode (node-oracledb's own network layer) says NJS-518.
        (code === 'ORA-12514' || code === 'NJS-518'
          ? ' (the listener does not know this service: connect to the PDB service, e.g. host:1521/ORCLPDB1, not the CDB)'
          : ''),
      'DatabaseUnreachable',
      1,
    );
  }
  if (options.module) (raw as unknown as { module: string }).module = options.module;
  if (options.callTimeoutMs) (raw as unknown as { callTimeout: number }).callTimeout = options.callTimeoutMs;
  return new ThinConnection(db, raw);
}

/** Removes a secret from a text, should a driver ever echo it. */
export function scrub(text: string, secret: string): string {
  return secret === '' ? text : text.split(secret).join('********');
}
