import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs on stdout. Children carry request id, workflow id and tenant, so
 * one task can be followed across API, workers and activities.
 */
export function createLogger(service: string, level = 'info'): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['req.headers.authorization', '*.password', '*.token', 'token'], censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
  });
}
