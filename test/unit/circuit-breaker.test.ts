import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BREAKER_STATES,
  BREAKER_STATE_GAUGE,
  DEFAULT_BREAKER_OPTIONS,
  canPass,
  initialBreakerState,
  onFailure,
  onSuccess,
  reset,
  resolveBreakerOptions,
  retryAfterMs,
  type BreakerOptions,
  type BreakerState,
} from '../../domain/circuit-breaker.js';

const T0 = 1_000_000;

/** Admits one call at `now` and returns the new state and its generation; fails the test if refused. */
function pass(state: BreakerState, now: number, options: BreakerOptions = DEFAULT_BREAKER_OPTIONS) {
  const decision = canPass(state, now, options);
  assert.equal(decision.allowed, true, `expected a call to pass in ${state.state}`);
  if (!decision.allowed) throw new Error('unreachable');
  return decision;
}

function failTimes(state: BreakerState, n: number, now: number, options: BreakerOptions = DEFAULT_BREAKER_OPTIONS): BreakerState {
  for (let i = 0; i < n; i++) {
    const { state: admitted, generation } = pass(state, now, options);
    state = onFailure(admitted, now, { options, generation, message: `boom ${i}` });
  }
  return state;
}

describe('circuit breaker state machine', () => {
  it('uses the seed defaults and a documented gauge encoding', () => {
    assert.equal(DEFAULT_BREAKER_OPTIONS.failureThreshold, 5);
    assert.equal(DEFAULT_BREAKER_OPTIONS.openMs, 30_000);
    assert.equal(DEFAULT_BREAKER_OPTIONS.halfOpenMaxTrials, 1);
    assert.equal(DEFAULT_BREAKER_OPTIONS.halfOpenSuccessesToClose, 1);
    assert.deepEqual([...BREAKER_STATES], ['CLOSED', 'OPEN', 'HALF_OPEN']);
    assert.deepEqual(BREAKER_STATE_GAUGE, { CLOSED: 0, HALF_OPEN: 1, OPEN: 2 });
    assert.throws(() => resolveBreakerOptions({ failureThreshold: 0 }), RangeError);
    assert.throws(() => resolveBreakerOptions({ openMs: -1 }), RangeError);
    assert.equal(resolveBreakerOptions({ openMs: 5 }).failureThreshold, 5);
  });

  it('stays CLOSED below the threshold and opens on the fifth consecutive failure', () => {
    let s = failTimes(initialBreakerState(), 4, T0);
    assert.equal(s.state, 'CLOSED');
    assert.equal(s.failures, 4);
    s = failTimes(s, 1, T0 + 10);
    assert.equal(s.state, 'OPEN');
    assert.equal(s.openedAt, T0 + 10);
  });

  it('resets the consecutive count on a success', () => {
    let s = failTimes(initialBreakerState(), 4, T0);
    s = onSuccess(pass(s, T0).state, T0);
    assert.equal(s.failures, 0);
    s = failTimes(s, 4, T0);
    assert.equal(s.state, 'CLOSED', 'four failures after a success must not open it');
  });

  it('refuses calls while OPEN with a retryAfterMs that shrinks with time', () => {
    const s = failTimes(initialBreakerState(), 5, T0);
    assert.deepEqual(canPass(s, T0), { allowed: false, retryAfterMs: 30_000 });
    assert.deepEqual(canPass(s, T0 + 12_000), { allowed: false, retryAfterMs: 18_000 });
    assert.deepEqual(canPass(s, T0 + 29_999), { allowed: false, retryAfterMs: 1 });
    assert.equal(retryAfterMs(s, T0 + 20_000), 10_000);
    assert.equal(retryAfterMs(s, T0 + 30_000), 0);
  });

  it('moves OPEN to HALF_OPEN once openMs has elapsed and admits one trial', () => {
    const s = failTimes(initialBreakerState(), 5, T0);
    const trial = pass(s, T0 + 30_000);
    assert.equal(trial.state.state, 'HALF_OPEN');
    assert.equal(trial.state.halfOpenInFlight, 1);
    assert.deepEqual(canPass(trial.state, T0 + 30_001), { allowed: false, retryAfterMs: DEFAULT_BREAKER_OPTIONS.halfOpenBusyRetryMs });
  });

  it('closes after a successful trial', () => {
    const s = failTimes(initialBreakerState(), 5, T0);
    const trial = pass(s, T0 + 30_000);
    const closed = onSuccess(trial.state, T0 + 30_100, { generation: trial.generation });
    assert.equal(closed.state, 'CLOSED');
    assert.equal(closed.failures, 0);
    assert.equal(closed.openedAt, null);
    assert.equal(canPass(closed, T0 + 30_101).allowed, true);
  });

  it('re-opens from now when a trial fails', () => {
    const s = failTimes(initialBreakerState(), 5, T0);
    const trial = pass(s, T0 + 31_000);
    const reopened = onFailure(trial.state, T0 + 32_000, { generation: trial.generation, message: 'still down' });
    assert.equal(reopened.state, 'OPEN');
    assert.equal(reopened.openedAt, T0 + 32_000);
    assert.deepEqual(canPass(reopened, T0 + 33_000), { allowed: false, retryAfterMs: 29_000 });
  });

  it('bounds concurrent trials and needs the configured number of successes to close', () => {
    const options = resolveBreakerOptions({ halfOpenMaxTrials: 2, halfOpenSuccessesToClose: 2 });
    const s = failTimes(initialBreakerState(), 5, T0, options);
    const a = pass(s, T0 + 30_000, options);
    const b = pass(a.state, T0 + 30_000, options);
    assert.equal(b.state.halfOpenInFlight, 2);
    assert.equal(canPass(b.state, T0 + 30_000, options).allowed, false, 'a third concurrent trial is refused');

    const afterA = onSuccess(b.state, T0 + 30_010, { options, generation: a.generation });
    assert.equal(afterA.state, 'HALF_OPEN', 'one success of two is not enough');
    assert.equal(afterA.halfOpenInFlight, 1);
    const c = pass(afterA, T0 + 30_020, options); // the freed slot admits another trial
    assert.equal(canPass(c.state, T0 + 30_020, options).allowed, false);
    const afterB = onSuccess(c.state, T0 + 30_030, { options, generation: b.generation });
    assert.equal(afterB.state, 'CLOSED');
    // c reports after the breaker closed: counted in the totals, state untouched.
    const afterC = onFailure(afterB, T0 + 30_040, { options, generation: c.generation });
    assert.equal(afterC.state, 'CLOSED');
    assert.equal(afterC.failures, 0);
    assert.equal(afterC.totalFailures, afterB.totalFailures + 1);
  });

  it('ignores results of calls admitted before the state changed', () => {
    // A slow call admitted while CLOSED, finishing after the breaker opened and went HALF_OPEN.
    const slow = pass(initialBreakerState(), T0);
    let s = failTimes(slow.state, 5, T0);
    const trial = pass(s, T0 + 30_000);
    s = onSuccess(trial.state, T0 + 30_001, { generation: slow.generation });
    assert.equal(s.state, 'HALF_OPEN', 'a stale success must not close the breaker');
    assert.equal(s.halfOpenInFlight, 1, 'nor free the trial slot');
    s = onFailure(s, T0 + 30_002, { generation: slow.generation });
    assert.equal(s.state, 'HALF_OPEN', 'a stale failure must not re-open it');
    // Failures reported while OPEN keep the original openedAt.
    const open = failTimes(initialBreakerState(), 5, T0);
    assert.equal(onFailure(open, T0 + 5_000).openedAt, T0);
  });

  it('keeps stats across transitions', () => {
    let s = failTimes(initialBreakerState(), 2, T0);
    s = onSuccess(pass(s, T0 + 1).state, T0 + 1);
    s = failTimes(s, 5, T0 + 2);
    assert.equal(s.totalFailures, 7);
    assert.equal(s.totalSuccesses, 1);
    assert.equal(s.failures, 5);
    assert.equal(s.lastFailureAt, T0 + 2);
    assert.equal(s.lastFailureMessage, 'boom 4');
    assert.equal(s.openedAt, T0 + 2);
  });

  it('reset closes from any state and keeps the totals', () => {
    const open = failTimes(initialBreakerState(), 5, T0);
    const r = reset(open);
    assert.equal(r.state, 'CLOSED');
    assert.equal(r.failures, 0);
    assert.equal(r.openedAt, null);
    assert.equal(r.totalFailures, 5);
    assert.equal(canPass(r, T0 + 1).allowed, true);
    const half = reset(pass(open, T0 + 30_000).state);
    assert.equal(half.state, 'CLOSED');
    assert.equal(half.halfOpenInFlight, 0);
  });
});
