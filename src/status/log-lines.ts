// Step pods log pino JSON (one object a line); `alma-restore logs` shows them as people read
// logs: "[20:14:03] INFO: message {fields}", via pino-pretty's line formatter. Lines that are
// not JSON (an impdp banner, a crash) pass through as they are. Pure.
import { Transform, type TransformCallback } from 'node:stream';
import { prettyFactory } from 'pino-pretty';

export function lineFormatter(opts: { colorize?: boolean } = {}): (line: string) => string {
  const pretty = prettyFactory({
    colorize: opts.colorize ?? false,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname',
    singleLine: true,
  });
  return (line: string) => {
    if (!line.trimStart().startsWith('{')) return `${line}\n`;
    const out = pretty(line);
    return out === undefined || out === '' ? `${line}\n` : String(out);
  };
}

/** A stream that formats each complete line as it arrives (the last, partial one at the end). */
export function formattingStream(format: (line: string) => string): Transform {
  let rest = '';
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop() ?? '';
      done(null, lines.map(format).join(''));
    },
    flush(done: TransformCallback) {
      done(null, rest ? format(rest) : '');
    },
  });
}
