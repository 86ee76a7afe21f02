/**
 * The history slider's model, pure: where the slider stands over the
 * snapshot steps, which snapshot the image view shows, and the latest-only
 * request of an older snapshot from the host.
 *
 * The slider either follows the live snapshot (it stands at the last step
 * and moves there with every new one) or holds a step the user picked; the
 * picked step's snapshot comes from the host (requestSnapshot →
 * historySnapshot) and is shown only when its step is still the one picked:
 * answers to requests the user has already scrubbed past are dropped.
 */

export interface Selection {
  /** Following the live snapshot. */
  readonly follow: boolean;
  /** The step picked while not following (ignored while following). */
  readonly step: number;
}

export const FOLLOW_LIVE: Selection = { follow: true, step: -1 };

/** Index of `step` in ascending `steps`, else of the nearest step below it, else 0. -1 for no steps. */
export function stepIndex(steps: readonly number[], step: number): number {
  if (steps.length === 0) return -1;
  let lo = 0;
  let hi = steps.length - 1;
  if (step <= steps[0]) return 0;
  // Largest index whose step is <= step.
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (steps[mid] <= step) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The slider's range and position: its stops are the indices of `steps`. */
export function sliderPosition(steps: readonly number[], sel: Selection): { max: number; index: number } {
  const max = Math.max(0, steps.length - 1);
  return { max, index: sel.follow ? max : Math.max(0, stepIndex(steps, sel.step)) };
}

/**
 * The selection after the user moved the slider to stop `index`: the last
 * stop follows the live snapshot again (new ones keep moving it), any other
 * stop holds its step.
 */
export function selectIndex(steps: readonly number[], index: number): Selection {
  if (steps.length === 0 || index >= steps.length - 1) return FOLLOW_LIVE;
  return { follow: false, step: steps[Math.max(0, Math.floor(index))] };
}

export interface Shown<S> {
  /** The snapshot to draw, or null while the picked one is on its way (keep drawing the previous one). */
  readonly snapshot: S | null;
  /** The picked step's snapshot has not arrived yet: it needs a request. */
  readonly waiting: boolean;
}

/**
 * What the image view shows: the live snapshot while following; else the
 * history snapshot if it is the picked step's (a late answer for another
 * step is ignored), or the live one if that is the picked step.
 */
export function pickSnapshot<S extends { readonly step: number }>(live: S | null, history: S | null, sel: Selection): Shown<S> {
  if (sel.follow) return { snapshot: live, waiting: false };
  if (history && history.step === sel.step) return { snapshot: history, waiting: false };
  if (live && live.step === sel.step) return { snapshot: live, waiting: false };
  return { snapshot: null, waiting: true };
}

export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Debounced, latest-only requests: while the slider is dragged only the step
 * it rests on is asked for, once it has rested `delayMs`; a step already
 * asked for and not superseded is not asked for again.
 */
export class LatestRequest {
  private handle: unknown = undefined;
  private pending: number | undefined;
  private last: number | undefined;

  constructor(
    private readonly send: (step: number) => void,
    private readonly delayMs: number,
    private readonly timers: Timers = realTimers,
  ) {}

  request(step: number): void {
    if (this.pending === step || (this.pending === undefined && this.last === step)) return;
    this.cancel();
    this.pending = step;
    this.handle = this.timers.set(() => {
      this.handle = undefined;
      this.pending = undefined;
      this.last = step;
      this.send(step);
    }, this.delayMs);
  }

  /** Drop a request not yet sent, and forget the last one sent (a new page load asks again). */
  reset(): void {
    this.cancel();
    this.last = undefined;
  }

  private cancel(): void {
    if (this.handle !== undefined) this.timers.clear(this.handle);
    this.handle = undefined;
    this.pending = undefined;
  }
}
