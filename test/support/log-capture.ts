/** A real pino logger whose JSON lines a test can read back. */
import { Writable } from 'node:stream';
import { type Logger, pino } from 'pino';

export function logCapture(level = 'info'): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: pino({ level }, sink), lines };
}
