import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BREAKER_STUCK_AFTER_MS,
  breakerRows,
  isBreakerName,
  isDockerOutage,
  isPostgresOutage,
  isRedisOutage,
  isStuck,
  openSeconds,
  type ProcessReport,
} from '../../domain/circuit-breaker.js';
import { CRITICAL_BREAKER_PATTERN } from '../../domain/alerts.js';

const withCode = (code: string) => Object.assign(new Error('x'), { code });

describe('dependency failure classifiers', () => {
  it('Postgres: a SQLSTATE answer is not an outage, unless its class says the server is in trouble', () => {
    assert.equal(isPostgresOutage(withCode('23505')), false, 'unique violation');
    assert.equal(isPostgresOutage(withCode('40001')), false, 'serialization failure');
    assert.equal(isPostgresOutage(withCode('42P01')), false, 'undefined table');
    assert.equal(isPostgresOutage(withCode('57P01')), true, 'admin shutdown');
    assert.equal(isPostgresOutage(withCode('57P03')), true, 'cannot connect now');
    assert.equal(isPostgresOutage(withCode('08006')), true, 'connection failure');
    assert.equal(isPostgresOutage(withCode('53300')), true, 'too many connections');
    assert.equal(isPostgresOutage(withCode('ECONNREFUSED')), true, 'refused socket');
    assert.equal(isPostgresOutage(new Error('Connection terminated unexpectedly')), true);
  });

  it('Redis: an error reply is an answer; anything else is an outage', () => {
    assert.equal(isRedisOutage(Object.assign(new Error('WRONGTYPE'), { name: 'ReplyError' })), false);
    assert.equal(isRedisOutage(new Error('Command timed out')), true);
    assert.equal(isRedisOutage(Object.assign(new Error('max retries'), { name: 'MaxRetriesPerRequestError' })), true);
  });

  it('Docker: a status below 500 is an answer; 5xx and socket errors are outages', () => {
    assert.equal(isDockerOutage(Object.assign(new Error('no such container'), { statusCode: 404 })), false);
    assert.equal(isDockerOutage(Object.assign(new Error('conflict'), { statusCode: 409 })), false);
    assert.equal(isDockerOutage(Object.assign(new Error('server error'), { statusCode: 500 })), true);
    assert.equal(isDockerOutage(withCode('ENOENT')), true);
  });
});

describe('breaker names', () => {
  it('accepts the dependencies and LLM endpoints, refuses anything else', () => {
    for (const name of ['postgres', 'redis', 'docker', 'llm:openai:127.0.0.1:8080', 'llm:anthropic:api.anthropic.com']) assert.equal(isBreakerName(name), true, name);
    for (const name of ['', 'mysql', 'llm:', 'llm:openai:', 'postgres ', 'llm:openai:a/b']) assert.equal(isBreakerName(name), false, name);
  });
});

describe('stuck breakers', () => {
  const openedAt = 1_000_000;
  const open = { state: 'OPEN' as const, openedAt };

  it('counts open seconds only while OPEN', () => {
    assert.equal(openSeconds(open, openedAt + 12_000), 12);
    assert.equal(openSeconds({ state: 'CLOSED', openedAt: null }, openedAt + 12_000), 0);
    assert.equal(openSeconds({ state: 'HALF_OPEN', openedAt }, openedAt + 12_000), 0);
  });

  it('is stuck only past 5 minutes and only on a critical dependency', () => {
    const critical = 'llm:openai:api.openai.com';
    assert.equal(isStuck(critical, open, openedAt + BREAKER_STUCK_AFTER_MS, CRITICAL_BREAKER_PATTERN), false, 'exactly 5 minutes');
    assert.equal(isStuck(critical, open, openedAt + BREAKER_STUCK_AFTER_MS + 1_000, CRITICAL_BREAKER_PATTERN), true);
    assert.equal(isStuck('only-dashboard', open, openedAt + 10 * BREAKER_STUCK_AFTER_MS, 'llm:.+'), false);
    assert.equal(isStuck('xllm:a:b', open, openedAt + 10 * BREAKER_STUCK_AFTER_MS, 'llm:.+'), false, 'the pattern matches the whole name');
  });

  it('lists one row per process and breaker, ordered by name then process', () => {
    const breaker = (name: string, state: 'OPEN' | 'CLOSED') => ({
      name,
      state,
      failures: state === 'OPEN' ? 5 : 0,
      totalFailures: 5,
      totalSuccesses: 3,
      lastFailureAt: openedAt,
      lastFailureMessage: 'refused',
      openedAt: state === 'OPEN' ? openedAt : null,
    });
    const reports: ProcessReport[] = [
      { process: 'h:2:sandbox', service: 'sandbox', reportedAt: openedAt, breakers: [breaker('redis', 'CLOSED'), breaker('llm:openai:x', 'OPEN')] },
      { process: 'h:1:orchestrator', service: 'orchestrator', reportedAt: openedAt, breakers: [breaker('llm:openai:x', 'OPEN')] },
    ];
    const rows = breakerRows(reports, openedAt + 6 * 60_000, 'llm:.+');
    assert.deepEqual(
      rows.map((r) => [r.name, r.process, r.openSeconds, r.stuck]),
      [
        ['llm:openai:x', 'h:1:orchestrator', 360, true],
        ['llm:openai:x', 'h:2:sandbox', 360, true],
        ['redis', 'h:2:sandbox', 0, false],
      ],
    );
  });
});
