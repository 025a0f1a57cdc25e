import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { DEPENDENCY_BREAKERS } from '../../domain/circuit-breaker.js';
import { METRICS } from '../../domain/metric-names.js';
import { guardRedis, redisBreakerOptions } from '../../lib/breaker-guards.js';
import { BreakerRegistry, CircuitBreaker, CircuitOpenError, registerBreakerGauge } from '../../lib/circuit-breaker.js';
import { createDb } from '../../lib/db.js';
import { createDocker } from '../../lib/docker.js';
import type { Redis } from '../../lib/redis.js';

/** A loopback port nothing listens on: connecting is refused at once. */
const CLOSED_PORT = 9;

describe('adapter guards', () => {
  it('Postgres: refused connections open the breaker, then calls fail fast with CircuitOpenError', async () => {
    const breakers = new BreakerRegistry();
    const db = createDb({ DATABASE_URL: `postgres://nobody@127.0.0.1:${CLOSED_PORT}/none`, DATABASE_POOL_SIZE: 2 }, () => undefined, breakers);
    try {
      for (let i = 0; i < 5; i++) await assert.rejects(db.query('SELECT 1'), (err: Error) => !(err instanceof CircuitOpenError));
      assert.equal(breakers.get(DEPENDENCY_BREAKERS.postgres).stats().state, 'OPEN');
      await assert.rejects(db.query('SELECT 1'), CircuitOpenError);
      await assert.rejects(db.connect(), CircuitOpenError, 'a transaction cannot start either');
    } finally {
      await db.end();
    }
  });

  it('Docker: an unreachable engine opens the breaker', async () => {
    const breakers = new BreakerRegistry();
    const docker = createDocker({ DOCKER_HOST: 'unix:///nonexistent/docker.sock' }, breakers);
    for (let i = 0; i < 5; i++) await assert.rejects(docker.ping(), (err: Error) => !(err instanceof CircuitOpenError));
    await assert.rejects(docker.listContainers(), CircuitOpenError);
    assert.equal(breakers.get(DEPENDENCY_BREAKERS.docker).stats().totalFailures, 5);
  });

  it('Redis: error replies pass as answers; outages open the breaker and refuse commands at once', async () => {
    // A stand-in for ioredis's connection: sendCommand settles the command's own promise.
    const replies: Array<Error | string> = [];
    let sent = 0;
    const fake = {
      sendCommand(command: { resolve: (v: unknown) => void; reject: (e: Error) => void; promise: Promise<unknown> }) {
        sent += 1;
        const reply = replies.shift()!;
        if (reply instanceof Error) command.reject(reply);
        else command.resolve(reply);
        return command.promise;
      },
    };
    const command = () => {
      let resolve!: (v: unknown) => void;
      let reject!: (e: Error) => void;
      const promise = new Promise<unknown>((res, rej) => ((resolve = res), (reject = rej)));
      return { promise, resolve, reject };
    };
    const breaker = new CircuitBreaker('redis', redisBreakerOptions);
    const redis = guardRedis(fake as unknown as Redis, breaker) as unknown as typeof fake;

    replies.push('OK');
    assert.equal(await redis.sendCommand(command()), 'OK');
    for (let i = 0; i < 6; i++) replies.push(Object.assign(new Error('WRONGTYPE'), { name: 'ReplyError' }));
    for (let i = 0; i < 6; i++) await assert.rejects(redis.sendCommand(command()), /WRONGTYPE/);
    assert.equal(breaker.stats().state, 'CLOSED', 'error replies say Redis is up');
    for (let i = 0; i < 5; i++) replies.push(new Error('Command timed out'));
    for (let i = 0; i < 5; i++) await assert.rejects(redis.sendCommand(command()), /timed out/);
    assert.equal(breaker.stats().state, 'OPEN');
    const before = sent;
    await assert.rejects(redis.sendCommand(command()), CircuitOpenError);
    assert.equal(sent, before, 'a refused command never reaches the connection');
  });
});

describe('circuit_breaker_open_seconds', () => {
  it('exports how long each breaker has been open', async () => {
    let now = 1_000_000;
    const breakers = new BreakerRegistry(() => now);
    const breaker = breakers.get('llm:openai:x');
    for (let i = 0; i < 5; i++) await assert.rejects(breaker.call(async () => Promise.reject(new Error('down'))));
    breakers.get('postgres');
    now += 42_000;
    const registry = new Registry();
    registerBreakerGauge(registry, breakers);
    const text = await registry.metrics();
    assert.match(text, new RegExp(`^${METRICS.circuitBreakerOpenSeconds}\\{name="llm:openai:x"\\} 42$`, 'm'));
    assert.match(text, new RegExp(`^${METRICS.circuitBreakerOpenSeconds}\\{name="postgres"\\} 0$`, 'm'));
  });
});
