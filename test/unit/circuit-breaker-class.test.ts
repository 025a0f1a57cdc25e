import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { Registry } from 'prom-client';
import { FAILURE_TYPES } from '../../domain/failures.js';
import { BreakerRegistry, CircuitBreaker, CircuitOpenError, registerBreakerGauge, toActivityFailure } from '../../lib/circuit-breaker.js';

function fakeClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => { now += ms; } };
}

const fail = (message = 'down') => async (): Promise<never> => { throw new Error(message); };

async function openBreaker(breaker: CircuitBreaker, times = 5): Promise<void> {
  for (let i = 0; i < times; i++) await assert.rejects(breaker.call(fail()), /down/);
}

describe('CircuitBreaker', () => {
  it('passes results through and counts successes', async () => {
    const breaker = new CircuitBreaker('llm', {}, fakeClock().now);
    assert.equal(await breaker.call(async () => 42), 42);
    assert.equal(breaker.stats().totalSuccesses, 1);
    assert.equal(breaker.stats().state, 'CLOSED');
  });

  it('fails fast without calling fn when OPEN, with retryAfterMs shrinking over time', async () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker('llm', {}, clock.now);
    await openBreaker(breaker);
    let calls = 0;
    const fn = async () => { calls++; return 'ok'; };

    const first = await breaker.call(fn).catch((e: unknown) => e);
    assert.ok(first instanceof CircuitOpenError);
    assert.equal(first.name, 'CircuitOpenError');
    assert.equal(first.breaker, 'llm');
    assert.equal(first.retryAfterMs, 30_000);
    clock.advance(10_000);
    const second = await breaker.call(fn).catch((e: unknown) => e);
    assert.ok(second instanceof CircuitOpenError);
    assert.equal(second.retryAfterMs, 20_000);
    assert.equal(calls, 0);

    clock.advance(20_000);
    assert.equal(await breaker.call(fn), 'ok', 'the trial goes through after openMs');
    assert.equal(calls, 1);
    assert.equal(breaker.stats().state, 'CLOSED');
  });

  it('lets only one trial through in HALF_OPEN while it is running', async () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker('llm', { openMs: 1_000 }, clock.now);
    await openBreaker(breaker);
    clock.advance(1_000);
    let release!: () => void;
    const trial = breaker.call(() => new Promise<string>((resolve) => { release = () => resolve('trial'); }));
    await assert.rejects(breaker.call(async () => 'second'), CircuitOpenError);
    release();
    assert.equal(await trial, 'trial');
    assert.equal(await breaker.call(async () => 'after'), 'after');
  });

  it('counts only errors the isFailure filter accepts', async () => {
    class ClientError extends Error {}
    const breaker = new CircuitBreaker('api', { failureThreshold: 2, isFailure: (err) => !(err instanceof ClientError) }, fakeClock().now);
    for (let i = 0; i < 5; i++) await assert.rejects(breaker.call(async () => { throw new ClientError('400'); }), ClientError);
    assert.equal(breaker.stats().state, 'CLOSED');
    assert.equal(breaker.stats().totalFailures, 0);
    await openBreaker(breaker, 2);
    assert.equal(breaker.stats().state, 'OPEN');
    assert.equal(breaker.stats().lastFailureMessage, 'down');
  });

  it('resetManually closes an open breaker at once', async () => {
    const breaker = new CircuitBreaker('llm', {}, fakeClock().now);
    await openBreaker(breaker);
    breaker.resetManually();
    const stats = breaker.stats();
    assert.equal(stats.state, 'CLOSED');
    assert.equal(stats.retryAfterMs, 0);
    assert.equal(stats.totalFailures, 5);
    assert.equal(await breaker.call(async () => 'ok'), 'ok');
  });
});

describe('BreakerRegistry', () => {
  it('creates each breaker once, lists stats and resets by name', async () => {
    const breakers = new BreakerRegistry(fakeClock().now);
    const a = breakers.get('a', { failureThreshold: 1 });
    assert.equal(breakers.get('a', { failureThreshold: 9 }), a);
    assert.equal(a.options.failureThreshold, 1);
    breakers.get('b');
    await assert.rejects(a.call(fail()));
    assert.deepEqual(breakers.all().map((s) => [s.name, s.state]), [['a', 'OPEN'], ['b', 'CLOSED']]);
    assert.equal(breakers.reset('a'), true);
    assert.equal(a.stats().state, 'CLOSED');
    assert.equal(breakers.reset('nope'), false);
  });
});

describe('registerBreakerGauge', () => {
  it('exports each breaker state and failure total at scrape time', async () => {
    const breakers = new BreakerRegistry(fakeClock().now);
    const registry = new Registry();
    registerBreakerGauge(registry, breakers);
    breakers.get('y');
    const x = breakers.get('x', { failureThreshold: 2 });
    await assert.rejects(x.call(fail()));
    await assert.rejects(x.call(fail()));
    let text = await registry.metrics();
    assert.match(text, /^circuit_breaker_state\{name="x"\} 2$/m);
    assert.match(text, /^circuit_breaker_state\{name="y"\} 0$/m);
    assert.match(text, /^circuit_breaker_failures_total\{name="x"\} 2$/m);
    breakers.reset('x');
    text = await registry.metrics();
    assert.match(text, /^circuit_breaker_state\{name="x"\} 0$/m);
    assert.match(text, /^circuit_breaker_failures_total\{name="x"\} 2$/m, 'totals survive a manual reset');
  });
});

describe('toActivityFailure', () => {
  it('makes a wait, not an attempt: non-retryable, with the remaining open time for the workflow\'s durable timer', () => {
    const failure = toActivityFailure(new CircuitOpenError('llm', 12_345));
    assert.ok(failure instanceof ApplicationFailure);
    assert.equal(failure.type, 'CircuitOpenError');
    assert.equal(failure.nonRetryable, true);
    assert.deepEqual(failure.details, [{ on: 'breaker llm', retryAfterMs: 12_345 }]);
    assert.match(failure.message, /llm/);
    assert.equal(FAILURE_TYPES.CircuitOpenError.retryable, false);
  });
});
