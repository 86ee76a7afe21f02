/** Run header (name, variant, dataset, state, progress, speed, backend) and the control buttons. */
import type { ControlAction } from '../../../src/protocol/messages';
import { controlsFor, shownLearningRates, shownSpeed, shownStep, type ViewState } from '../state';
import { h, setText } from './dom';
import { count } from '../../../src/protocol/numbers';

const BUTTONS: ReadonlyArray<{ action: ControlAction; id: string; label: string; primary: boolean; hint: string }> = [
  { action: 'pause', id: 'btn-pause', label: 'Pause', primary: false, hint: 'Pause training after the current step' },
  { action: 'resume', id: 'btn-resume', label: 'Resume', primary: true, hint: 'Resume a paused run' },
  { action: 'stop', id: 'btn-stop', label: 'Stop', primary: false, hint: 'Stop the run (it keeps its checkpoints)' },
  { action: 'sampleNow', id: 'btn-sample', label: 'Sample now', primary: false, hint: 'Take a snapshot of the generator now' },
];

export class HeaderView {
  readonly element: HTMLElement;
  private readonly title = h('h1', { id: 'run-title', text: 'Waiting for the run…' });
  private readonly state = h('span', { id: 'run-state', className: 'state-badge', text: 'unknown' });
  private readonly variant = h('span', { className: 'meta-value' });
  private readonly dataset = h('span', { className: 'meta-value' });
  private readonly average = h('span', { id: 'run-average', className: 'meta-value' });
  private readonly averageItem = meta('samples from', this.average);
  private readonly rates = h('span', { id: 'run-rates', className: 'meta-value' });
  private readonly ratesItem = meta('learning rates', this.rates);
  private readonly step = h('span', { id: 'run-step', text: 'step 0 / 0' });
  private readonly speed = h('span', { id: 'run-speed', text: '— steps/s' });
  private readonly backend = h('span', { id: 'backend', className: 'meta-value', text: '—' });
  private readonly reason = h('div', { id: 'backend-reason', className: 'subtitle' });
  private readonly error = h('div', { id: 'run-error', className: 'run-error' });
  private readonly progress = h('div', { className: 'progress-bar' });
  private readonly buttons = new Map<ControlAction, HTMLButtonElement>();

  constructor(onControl: (action: ControlAction) => void) {
    const controls = h('div', { className: 'controls', attrs: { role: 'toolbar', 'aria-label': 'Run controls' } });
    for (const b of BUTTONS) {
      const btn = h('button', { id: b.id, className: b.primary ? 'primary' : 'secondary', text: b.label, title: b.hint });
      btn.type = 'button';
      btn.disabled = true;
      btn.addEventListener('click', () => onControl(b.action));
      this.buttons.set(b.action, btn);
      controls.append(btn);
    }
    this.error.hidden = true;
    this.element = h('header', { className: 'run-header' }, [
      h('div', { className: 'title-row' }, [h('div', { className: 'title-block' }, [this.title, this.state]), controls]),
      h('div', { className: 'meta' }, [
        meta('variant', this.variant),
        meta('dataset', this.dataset),
        this.averageItem,
        this.ratesItem,
        h('span', { className: 'meta-item' }, [this.step]),
        h('span', { className: 'meta-item' }, [this.speed]),
        meta('backend', this.backend),
      ]),
      this.reason,
      h('div', { className: 'progress', attrs: { 'aria-hidden': 'true' } }, [this.progress]),
      this.error,
    ]);
  }

  render(s: ViewState): void {
    const status = s.status;
    if (s.run) {
      setText(this.title, s.run.name);
      this.title.title = `run ${s.run.id}`;
      setText(this.variant, s.run.variant);
      setText(this.dataset, s.run.dataset);
      const beta = s.run.generatorAverage;
      setText(this.average, beta ? `G's moving average (β ${beta})` : '');
      this.average.title = beta ? "training.emaG: every sample and metric here comes from an exponential moving average of G's weights; G itself trains as without it" : '';
    }
    this.averageItem.hidden = !s.run?.generatorAverage;
    const rates = shownLearningRates(s);
    setText(this.rates, rates ?? '');
    this.rates.title = rates ? 'training.lrDecayStart: both learning rates fall linearly from that generator step to zero at the last one' : '';
    this.ratesItem.hidden = rates === undefined;
    const state = status?.state ?? 'unknown';
    setText(this.state, state);
    this.state.className = `state-badge state-${state}`;
    const step = shownStep(s);
    const total = status?.totalSteps ?? 0;
    setText(this.step, `step ${count(step)} / ${count(total)}`);
    this.progress.style.width = `${total > 0 ? Math.min(100, (100 * step) / total) : 0}%`;
    const sps = shownSpeed(s);
    setText(this.speed, sps === undefined ? '— steps/s' : `${sps >= 100 ? sps.toFixed(0) : sps.toFixed(1)} steps/s`);
    const backend = status?.backend;
    setText(this.backend, backend?.name ?? '—');
    this.backend.title = backend?.reason ?? '';
    setText(this.reason, backend ? `backend: ${backend.reason}` : '');
    this.reason.hidden = !backend?.reason;
    setText(this.error, status?.error ?? '');
    this.error.hidden = !status?.error;

    const enabled = controlsFor(status?.state);
    for (const [action, btn] of this.buttons) btn.disabled = !enabled[action];
  }
}

function meta(label: string, value: HTMLElement): HTMLElement {
  return h('span', { className: 'meta-item' }, [h('span', { className: 'meta-label', text: `${label} ` }), value]);
}
