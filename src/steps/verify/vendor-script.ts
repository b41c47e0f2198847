// Runs the delivered POST_IMPORT.sh when it is there and this image can run it, and summarises
// its output. It runs as delivered, in its own folder, with a minimal environment: no secret is
// put on its command line or in its environment (the vendor's script carries its own login).
import { spawn } from 'node:child_process';
import { access, constants, readFile } from 'node:fs/promises';
import path from 'node:path';

export const VENDOR_SCRIPT = 'POST_IMPORT.sh';
const OUTPUT_LIMIT = 1024 * 1024;

export interface VendorScriptResult {
  state: 'absent' | 'skipped' | 'notRunnable' | 'ran';
  /** Why it was not run, or the summary of its run. */
  detail: string;
  exitCode?: number | null;
  oraErrors?: string[];
  tail?: string[];
}

async function onPath(command: string, envPath: string): Promise<boolean> {
  for (const dir of envPath.split(':').filter(Boolean)) {
    try {
      await access(path.join(dir, command), constants.X_OK);
      return true;
    } catch {
      // next
    }
  }
  return false;
}

/** Commands the script cannot do without (mail is optional: its results come to us instead). */
export function requiredCommands(script: string): string[] {
  const needed = ['bash'];
  if (/\bsqlplus\b/.test(script)) needed.push('sqlplus');
  return needed;
}

export function summariseOutput(
  output: string,
  secrets: string[],
): Pick<VendorScriptResult, 'oraErrors' | 'tail'> {
  let text = output;
  for (const s of secrets) if (s) text = text.split(s).join('********');
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const oraErrors = [...new Set(lines.flatMap((l) => l.match(/\b(?:ORA|SP2)-\d{4,5}\b[^\n]{0,100}/g) ?? []))];
  return { oraErrors: oraErrors.slice(0, 20), tail: lines.slice(-20) };
}

export async function runVendorScript(
  scriptsDir: string,
  options: { enabled: boolean; timeoutSeconds?: number; secrets: string[]; envPath?: string },
): Promise<VendorScriptResult> {
  const file = path.join(scriptsDir, VENDOR_SCRIPT);
  let script: string;
  try {
    script = await readFile(file, 'utf8');
  } catch {
    return { state: 'absent', detail: `${VENDOR_SCRIPT} was not delivered` };
  }
  if (!options.enabled) return { state: 'skipped', detail: 'skipped: postImport.runVendorScript is false' };
  const envPath = options.envPath ?? process.env.PATH ?? '/usr/bin:/bin';
  const missing: string[] = [];
  for (const c of requiredCommands(script)) if (!(await onPath(c, envPath))) missing.push(c);
  if (missing.length > 0) {
    return {
      state: 'notRunnable',
      detail: `not run: ${missing.join(', ')} not available in this image; the checks above cover its steps except what is specific to it`,
    };
  }
  const env: NodeJS.ProcessEnv = { PATH: envPath, HOME: process.env.HOME ?? '/tmp', LANG: 'C.UTF-8' };
  for (const k of ['ORACLE_HOME', 'TNS_ADMIN', 'NLS_LANG']) if (process.env[k]) env[k] = process.env[k];
  return new Promise((resolve) => {
    const child = spawn('bash', [VENDOR_SCRIPT], { cwd: scriptsDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const take = (chunk: Buffer) => {
      if (output.length < OUTPUT_LIMIT) output += chunk.toString('utf8');
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    const timer = setTimeout(() => child.kill('SIGTERM'), (options.timeoutSeconds ?? 3600) * 1000);
    const finish = (code: number | null, why?: string) => {
      clearTimeout(timer);
      const s = summariseOutput(output, options.secrets);
      const errs = s.oraErrors?.length ?? 0;
      resolve({
        state: 'ran',
        exitCode: code,
        ...s,
        detail:
          why ??
          `ran: exit code ${code === null ? 'none (killed)' : code}${errs ? `, ${errs} Oracle error(s): ${s.oraErrors!.slice(0, 3).join('; ')}` : ', no Oracle error'}`,
      });
    };
    child.on('error', (err) => finish(null, `could not start: ${err.message}`));
    child.on('close', (code) => finish(code));
  });
}
