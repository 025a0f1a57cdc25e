import type Docker from 'dockerode';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { isDockerOutage, isPostgresOutage, isRedisOutage } from '../domain/circuit-breaker.js';
import { CircuitOpenError, type CircuitBreaker } from './circuit-breaker.js';

/**
 * Puts a dependency's client behind its breaker by replacing the one method every call of the
 * client goes through, so no caller can bypass it. Each guard counts only failures of the
 * dependency itself (see the classifiers in domain/circuit-breaker.ts).
 */

type Callback = (...args: unknown[]) => void;
const lastIsCallback = (args: unknown[]) => typeof args[args.length - 1] === 'function';

/**
 * `pool.query` and `pool.connect` (a transaction's client). The callback forms are internal to pg
 * (`query` itself connects with a callback), so they pass through and are not counted twice.
 */
export function guardPool(pool: pg.Pool, breaker: CircuitBreaker): pg.Pool {
  const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
  const connect = pool.connect.bind(pool) as (...args: unknown[]) => Promise<unknown>;
  const guardedQuery = (...args: unknown[]) => (lastIsCallback(args) ? query(...args) : breaker.call(() => query(...args)));
  const guardedConnect = (...args: unknown[]) => (lastIsCallback(args) ? connect(...args) : breaker.call(() => connect(...args)));
  pool.query = guardedQuery as typeof pool.query;
  pool.connect = guardedConnect as typeof pool.connect;
  return pool;
}

export const postgresBreakerOptions = { isFailure: isPostgresOutage };

type SendCommand = (command: { promise: Promise<unknown>; reject: (err: Error) => void }, stream?: unknown) => unknown;

/**
 * Every ioredis command (single, pipelined, scripted) is sent through `sendCommand`. A refused
 * command is rejected with CircuitOpenError at once: callers with a fallback (the budget
 * controller decides from Postgres alone) take it without waiting for a time-out.
 */
export function guardRedis(redis: Redis, breaker: CircuitBreaker): Redis {
  const target = redis as unknown as { sendCommand: SendCommand };
  const send = target.sendCommand.bind(redis) as SendCommand;
  target.sendCommand = (command, stream) => {
    breaker
      .call(() => {
        // Sent synchronously, as without the guard: commands on a connection keep their order.
        send(command, stream);
        return command.promise;
      })
      .catch((err: unknown) => {
        // The command's own promise carries every other error to its caller.
        if (err instanceof CircuitOpenError) command.reject(err);
      });
    return command.promise;
  };
  return redis;
}

export const redisBreakerOptions = { isFailure: isRedisOutage };

type Dial = (options: unknown, callback: Callback) => void;

/** dockerode sends every API request through its modem's `dial`. */
export function guardDocker(docker: Docker, breaker: CircuitBreaker): Docker {
  const modem = docker.modem as unknown as { dial: Dial };
  const dial = modem.dial.bind(modem) as Dial;
  modem.dial = (options, callback) => {
    breaker
      .call(
        () =>
          new Promise<unknown>((resolve, reject) => {
            dial(options, (err, data) => (err ? reject(err as Error) : resolve(data)));
          }),
      )
      .then(
        (data) => callback(null, data),
        (err: unknown) => callback(err, undefined),
      );
  };
  return docker;
}

export const dockerBreakerOptions = { isFailure: isDockerOutage };
