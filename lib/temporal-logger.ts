import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import type { Logger } from './logger.js';

const LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * Routes the SDK's logs (worker, workflow and activity loggers, which attach
 * workflowId, runId and activity attributes) into our JSON log stream. The
 * tracing interceptors add the active span's trace_id, span_id and trace_flags;
 * `traced: false` drops them, since the workflow interceptors (in every bundle)
 * make spans that are then never exported, and an id no backend knows only misleads.
 */
export function temporalLogger(logger: Logger, opts: { traced: boolean } = { traced: false }): TemporalLogger {
  const log = (level: LogLevel, message: string, meta?: LogMetadata) => logger[LEVELS[level]](opts.traced ? (meta ?? {}) : untraced(meta), message);
  return {
    log,
    trace: (m, meta) => log('TRACE', m, meta),
    debug: (m, meta) => log('DEBUG', m, meta),
    info: (m, meta) => log('INFO', m, meta),
    warn: (m, meta) => log('WARN', m, meta),
    error: (m, meta) => log('ERROR', m, meta),
  };
}

function untraced(meta: LogMetadata | undefined): LogMetadata {
  if (!meta || !('trace_id' in meta)) return meta ?? {};
  const { trace_id: _t, span_id: _s, trace_flags: _f, ...rest } = meta;
  return rest;
}
