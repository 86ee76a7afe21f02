import { mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { ReadyWatch } from '../../src/extension/dashboard/readyWatch';

/** Node's mock timers for setTimeout around `body`, always restored. */
function withMockTimers(body: () => void): void {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    body();
  } finally {
    mock.timers.reset();
  }
}

function watch(visible = { now: true }) {
  const events: string[] = [];
  const w: ReadyWatch = new ReadyWatch({
    timeoutMs: 15_000,
    retries: 2,
    isVisible: () => visible.now,
    reload: (attempt) => {
      events.push(`reload ${attempt}`);
      w.arm(); // as the panel's render() does
    },
    giveUp: (tries) => events.push(`give up after ${tries}`),
  });
  return { w, events, visible };
}

test('a page that says ready in time is never reloaded', () =>
  withMockTimers(() => {
    const { w, events } = watch();
    w.arm();
    mock.timers.tick(14_000);
    w.ready();
    mock.timers.tick(60_000);
    assert.deepEqual(events, []);
  }));

test('a page that never says ready is reloaded twice, then the watch gives up', () =>
  withMockTimers(() => {
    const { w, events } = watch();
    w.arm();
    mock.timers.tick(14_999);
    assert.deepEqual(events, []);
    mock.timers.tick(1);
    assert.deepEqual(events, ['reload 1']);
    mock.timers.tick(15_000);
    assert.deepEqual(events, ['reload 1', 'reload 2']);
    mock.timers.tick(15_000);
    assert.deepEqual(events, ['reload 1', 'reload 2', 'give up after 3']);
    for (let i = 0; i < 8; i++) mock.timers.tick(15_000);
    assert.equal(events.length, 3, 'nothing more after giving up');
  }));

test('a reloaded page that then says ready starts the retry budget afresh', () =>
  withMockTimers(() => {
    const { w, events } = watch();
    w.arm();
    mock.timers.tick(15_000);
    w.ready();
    // Hidden and shown again later: a new load, a full budget.
    w.arm();
    for (let i = 0; i < 3; i++) mock.timers.tick(15_000);
    assert.deepEqual(events, ['reload 1', 'reload 1', 'reload 2', 'give up after 3']);
  }));

test('a hidden panel is not watched (its page is not loaded at all), nor a disposed one', () =>
  withMockTimers(() => {
    const hidden = watch({ now: false });
    hidden.w.arm();
    mock.timers.tick(60_000);
    assert.deepEqual(hidden.events, []);
    // Hidden while the timer runs: no reload either.
    const later = watch();
    later.w.arm();
    later.visible.now = false;
    mock.timers.tick(60_000);
    assert.deepEqual(later.events, []);
    const gone = watch();
    gone.w.arm();
    gone.w.dispose();
    mock.timers.tick(60_000);
    assert.deepEqual(gone.events, []);
  }));
