/**
 * The history slider's model (webview-ui/src/history.ts): slider position
 * over the snapshot steps, following live vs holding a step, which snapshot
 * is shown (a late answer for another step is ignored), and the debounced,
 * latest-only requests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FOLLOW_LIVE, LatestRequest, pickSnapshot, selectIndex, sliderPosition, stepIndex, type Timers } from '../../webview-ui/src/history';

const STEPS = [0, 100, 200, 500, 1000];

test('stepIndex: the step, else the nearest one below, else the first', () => {
  assert.equal(stepIndex(STEPS, 200), 2);
  assert.equal(stepIndex(STEPS, 1000), 4);
  assert.equal(stepIndex(STEPS, 499), 2);
  assert.equal(stepIndex(STEPS, 5000), 4);
  assert.equal(stepIndex([50, 60], 10), 0);
  assert.equal(stepIndex([], 10), -1);
  for (let i = 0; i < STEPS.length; i++) assert.equal(stepIndex(STEPS, STEPS[i]), i);
});

test('following live stands at the end; a held step stays at its stop as steps are added', () => {
  assert.deepEqual(sliderPosition(STEPS, FOLLOW_LIVE), { max: 4, index: 4 });
  assert.deepEqual(sliderPosition([...STEPS, 1500], FOLLOW_LIVE), { max: 5, index: 5 }, 'a new snapshot moves a live slider to the end');
  const held = selectIndex(STEPS, 1);
  assert.deepEqual(held, { follow: false, step: 100 });
  assert.deepEqual(sliderPosition([...STEPS, 1500, 2000], held), { max: 6, index: 1 }, 'a held slider keeps its step');
  assert.deepEqual(sliderPosition([], FOLLOW_LIVE), { max: 0, index: 0 });
});

test('the last stop follows live again; no steps follow live', () => {
  assert.equal(selectIndex(STEPS, 4).follow, true);
  assert.equal(selectIndex(STEPS, 3).follow, false);
  assert.equal(selectIndex([], 0).follow, true);
});

test('pickSnapshot: live while following; the history answer only for the held step', () => {
  const live = { step: 1000, id: 'live' };
  const h200 = { step: 200, id: 'h200' };
  assert.deepEqual(pickSnapshot(live, h200, FOLLOW_LIVE), { snapshot: live, waiting: false }, 'following ignores the history snapshot');
  assert.deepEqual(pickSnapshot(live, h200, { follow: false, step: 200 }), { snapshot: h200, waiting: false });
  // The user moved on to 500 before 200's answer arrived: it is not shown.
  assert.deepEqual(pickSnapshot(live, h200, { follow: false, step: 500 }), { snapshot: null, waiting: true });
  assert.deepEqual(pickSnapshot(live, null, { follow: false, step: 100 }), { snapshot: null, waiting: true });
  // Holding the live snapshot's own step needs no request.
  assert.deepEqual(pickSnapshot(live, null, { follow: false, step: 1000 }), { snapshot: live, waiting: false });
  assert.deepEqual(pickSnapshot(null, null, FOLLOW_LIVE), { snapshot: null, waiting: false });
});

/** Timers run by hand. */
function manualTimers(): Timers & { run(): void; pending(): number } {
  let next = 1;
  const queue = new Map<number, () => void>();
  return {
    set: (fn) => {
      const id = next++;
      queue.set(id, fn);
      return id;
    },
    clear: (h) => void queue.delete(h as number),
    run: () => {
      const fns = [...queue.values()];
      queue.clear();
      for (const f of fns) f();
    },
    pending: () => queue.size,
  };
}

test('LatestRequest: a drag asks only for the step it rests on, once', () => {
  const sent: number[] = [];
  const timers = manualTimers();
  const r = new LatestRequest((s) => sent.push(s), 120, timers);
  for (const s of [100, 200, 500, 200]) r.request(s);
  assert.equal(timers.pending(), 1, 'one timer, restarted by each move');
  timers.run();
  assert.deepEqual(sent, [200]);
  // The view asks again on every render while it waits: no second request.
  r.request(200);
  r.request(200);
  assert.equal(timers.pending(), 0);
  timers.run();
  assert.deepEqual(sent, [200]);
  r.request(500);
  timers.run();
  assert.deepEqual(sent, [200, 500]);
});

test('LatestRequest: reset drops a pending request and lets the same step be asked again', () => {
  const sent: number[] = [];
  const timers = manualTimers();
  const r = new LatestRequest((s) => sent.push(s), 120, timers);
  r.request(100);
  timers.run();
  r.request(200);
  r.reset(); // back to live before 200 was sent
  timers.run();
  assert.deepEqual(sent, [100]);
  r.request(100); // a reloaded page has no answer any more
  timers.run();
  assert.deepEqual(sent, [100, 100]);
});
