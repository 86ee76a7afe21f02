/**
 * The Diagnosis panel: the training doctor's findings, each with what was
 * seen (metric and step range — hovering or focusing a finding highlights
 * that range on the chart it comes from), why it matters, and its fixes in
 * order, each with an Apply button that asks the host to start a fixed run.
 * The webview names a fix by detector and index; the host owns the config.
 */
import type { FindingView } from '../../../src/protocol/diagnosis';
import { h, setText } from './dom';

export interface DiagnosisOptions {
  onApplyFix(detector: string, fix: number): void;
  /** Highlight (or clear, with undefined) a metric's step range on its chart. */
  onHighlight(evidence: FindingView['evidence'] | undefined): void;
}

export class DiagnosisView {
  readonly element: HTMLElement;
  private readonly list: HTMLElement;
  private readonly summary = h('span', { className: 'count', id: 'diagnosis-summary' });
  private shown: readonly FindingView[] | null = null;

  constructor(private readonly opts: DiagnosisOptions) {
    this.list = h('div', { id: 'diagnosis', attrs: { role: 'list', 'aria-live': 'polite' } });
    this.element = h('section', { className: 'card diagnosis-card' }, [
      h('div', { className: 'card-head' }, [h('h2', { text: 'Diagnosis' }), this.summary]),
      this.list,
    ]);
    this.render([]);
  }

  render(findings: readonly FindingView[]): void {
    if (findings === this.shown) return;
    this.shown = findings;
    const active = findings.filter((f) => f.active).length;
    setText(this.summary, findings.length ? `${active} active, ${findings.length - active} earlier` : 'nothing found');
    this.list.dataset.findings = String(findings.length);
    if (!findings.length) {
      this.list.replaceChildren(h('p', { className: 'diagnosis-empty', text: 'The training doctor has found nothing wrong so far.' }));
      return;
    }
    this.list.replaceChildren(...findings.map((f) => this.card(f)));
  }

  private card(f: FindingView): HTMLElement {
    const fixes = h(
      'ol',
      { className: 'diagnosis-fixes' },
      f.fixes.map((fix, i) => {
        const button = h('button', { className: 'apply-fix', text: 'Apply fix', title: `Start a new run with: ${fix.label}`, dataset: { detector: f.detector, fix: String(i) } });
        button.addEventListener('click', () => this.opts.onApplyFix(f.detector, i));
        return h('li', {}, [h('span', { text: fix.label }), ' ', button]);
      }),
    );
    const el = h(
      'article',
      {
        className: `finding finding-${f.severity}${f.active ? '' : ' finding-past'}`,
        dataset: { detector: f.detector, metric: f.evidence.metric, from: String(f.evidence.fromStep), to: String(f.evidence.toStep) },
        attrs: { role: 'listitem', tabindex: '0' },
      },
      [
        h('header', {}, [
          h('span', { className: 'finding-severity', text: f.severity }),
          h('strong', { className: 'finding-title', text: f.title }),
          h('span', { className: 'finding-when', text: f.active ? `since step ${f.firstStep}` : `steps ${f.evidence.fromStep}–${f.evidence.toStep} (no longer seen)` }),
        ]),
        h('p', { className: 'finding-seen', text: `Seen (${f.evidence.metric}, steps ${f.evidence.fromStep}–${f.evidence.toStep}): ${f.evidence.seen}` }),
        h('p', { className: 'finding-why', text: f.why }),
        fixes,
      ],
    );
    const on = () => this.opts.onHighlight(f.evidence);
    const off = () => this.opts.onHighlight(undefined);
    el.addEventListener('mouseenter', on);
    el.addEventListener('focus', on);
    el.addEventListener('mouseleave', off);
    el.addEventListener('blur', off);
    return el;
  }
}
