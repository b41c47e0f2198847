// For the reaper test (harness-reaper.test.ts): starts `sleep 600` as a managed process, prints
// the reaper's pid, then idles until it is killed.
import os from 'node:os';
import path from 'node:path';
import { startManagedProcess } from './processes.js';

const sleeper = await startManagedProcess({
  name: 'sleeper',
  command: '/usr/bin/sleep',
  args: ['600'],
  logFile: path.join(os.tmpdir(), `alma-managed-sleeper-${process.pid}.log`),
  ready: async () => true,
});
console.log(`reaper ${sleeper.pid}`);
setInterval(() => undefined, 1 << 30);
