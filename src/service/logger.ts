// Structured logs: one JSON object a line, human-readable on a terminal. The fields the specs mark secret
// are redacted wherever they appear, as a second line of defence behind never logging them at all.
import pino from 'pino';
import type { Logger } from '../darktrace/index.ts';
import { SECRET_KEYS } from './config.ts';

// The fields marked secret in the specs, and a password wherever one appears (URL user info, users).
const REDACT = [...SECRET_KEYS, 'password'];

export interface ServiceLogger extends Logger {
  child(bindings: Record<string, unknown>): ServiceLogger;
}

export function createLogger(
  opts: { level?: string; pretty?: boolean; destination?: NodeJS.WritableStream } = {},
): ServiceLogger {
  const pretty = opts.pretty ?? (process.stdout.isTTY && !process.env.CI);
  const base = pino(
    {
      level: opts.level ?? process.env.DTC_LOG_LEVEL ?? 'info',
      base: undefined,
      redact: { paths: [...REDACT, ...REDACT.map((k) => `*.${k}`)], censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    pretty
      ? pino.transport({
          target: 'pino-pretty',
          options: { colorize: true, ignore: 'pid,hostname', translateTime: 'HH:MM:ss', hideObject: true },
        })
      : ((opts.destination ?? process.stdout) as pino.DestinationStream),
  );
  return wrap(base);
}

function wrap(p: pino.Logger): ServiceLogger {
  const at = (level: 'debug' | 'info' | 'warn' | 'error') => (msg: string, data?: Record<string, unknown>) =>
    data ? p[level](data, msg) : p[level](msg);
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (b) => wrap(p.child(b)),
  };
}
