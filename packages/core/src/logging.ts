import { createRequire } from 'node:module';
import { type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger } from 'pino';

const REDACT = [
  'password',
  '*.password',
  'Password',
  '*.Password',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers["x-auth-token"]',
  'token',
  '*.token',
];

/** pino-pretty is an optional peer: a library user who has not installed it gets JSON lines, not a crash. */
function prettyTarget(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve('pino-pretty');
  } catch {
    return undefined;
  }
}

/** Structured JSON logs; pretty when stdout is a terminal and pino-pretty is installed. Credentials are redacted. */
export function createLogger(
  opts: { level?: string; pretty?: boolean; name?: string /** 1 stdout, 2 stderr */; fd?: 1 | 2 } = {},
): Logger {
  const fd = opts.fd ?? 1;
  const pretty = opts.pretty ?? Boolean(fd === 1 ? process.stdout.isTTY : process.stderr.isTTY);
  const base: LoggerOptions = {
    level: opts.level ?? 'info',
    name: opts.name ?? 'bmc-emu',
    redact: { paths: REDACT, censor: '[redacted]' },
  };
  const target = pretty ? prettyTarget() : undefined;
  if (target) {
    return pino({
      ...base,
      transport: {
        target,
        options: { destination: fd, colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
      },
    });
  }
  return pino(base, pino.destination({ fd, sync: false }));
}

/** A logger that drops everything: for tests and library users who pass none. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
