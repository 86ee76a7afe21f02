/**
 * The history strip under the image grids: a range input whose stops are
 * the steps with a snapshot, the step it stands on, and a Live button that
 * goes back to following the newest snapshot. It only reports what the user
 * does; the image view decides what that means (history.ts).
 */
import { formatStep } from '../render/format';
import type { Selection } from '../history';
import { h, setText } from './dom';

export interface HistoryStripState {
  readonly steps: readonly number[];
  readonly max: number;
  readonly index: number;
  readonly selection: Selection;
  /** The step of the snapshot drawn (the live one while following). */
  readonly shownStep: number | null;
  /** The picked step's snapshot has been asked for and has not arrived. */
  readonly loading: boolean;
}

export class HistoryStrip {
  readonly element: HTMLElement;
  private readonly slider = h('input', { id: 'history-slider', attrs: { type: 'range', min: '0', max: '0', step: '1', 'aria-label': 'snapshot step' } });
  private readonly label = h('span', { id: 'history-step', className: 'history-step', attrs: { 'aria-live': 'polite' } });
  private readonly first = h('span', { className: 'history-end' });
  private readonly last = h('span', { className: 'history-end' });
  private readonly live = h('button', { id: 'btn-live', className: 'toggle', text: 'Live', title: 'Follow the newest snapshot' });

  constructor(onPick: (index: number) => void, onLive: () => void) {
    this.live.type = 'button';
    this.slider.value = '0';
    this.slider.addEventListener('input', () => onPick(Number(this.slider.value)));
    this.live.addEventListener('click', onLive);
    this.element = h('div', { className: 'history-strip' }, [
      h('span', { className: 'history-title', text: 'History' }),
      this.first,
      this.slider,
      this.last,
      this.label,
      this.live,
    ]);
  }

  render(s: HistoryStripState): void {
    const max = String(s.max);
    if (this.slider.max !== max) this.slider.max = max;
    const index = String(s.index);
    if (this.slider.value !== index) this.slider.value = index;
    this.slider.disabled = s.steps.length < 2;
    const step = s.selection.follow ? s.steps[s.steps.length - 1] : s.selection.step;
    if (step === undefined) delete this.slider.dataset.step;
    else this.slider.dataset.step = String(step);
    this.slider.setAttribute('aria-valuetext', step === undefined ? 'no snapshot' : `step ${step}`);
    setText(this.first, s.steps.length ? formatStep(s.steps[0]) : '');
    setText(this.last, s.steps.length ? formatStep(s.steps[s.steps.length - 1]) : '');
    const count = `${s.index + 1} of ${s.steps.length}`;
    let text: string;
    if (step === undefined) text = 'no snapshots yet';
    else if (s.selection.follow) text = `step ${s.shownStep ?? step} · live · ${count}`;
    else text = `step ${step} · ${count}${s.loading ? ' · loading…' : ''}`;
    setText(this.label, text);
    this.label.classList.toggle('loading', s.loading);
    this.live.setAttribute('aria-pressed', String(s.selection.follow));
  }
}
