import { isSpanContextValid, trace } from '@opentelemetry/api';
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * The active span's ids, so a log line can be found from its trace and back.
 * Without tracing no context manager is installed and this is one lookup that
 * finds nothing.
 */
export function traceFields(): { trace_id?: string; span_id?: string } {
  const span = trace.getActiveSpan();
  // A new object each time: pino merges the line's own fields into it.
  if (!span) return {};
  const ids = span.spanContext();
  return isSpanContextValid(ids) ? { trace_id: ids.traceId, span_id: ids.spanId } : {};
}

/**
 * JSON logs on stdout. Children carry request id, workflow id and tenant, so
 * one task can be followed across API, workers and activities; a line written
 * inside a span carries its trace_id.
 */
export function createLogger(service: string, level = 'info', destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    base: { service },
    mixin: traceFields,
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['req.headers.authorization', '*.password', '*.token', 'token'], censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
  };
  // A destination only for tests that read the lines; processes log to stdout.
  return destination ? pino(options, destination) : pino(options);
}
