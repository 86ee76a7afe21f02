/** The notices area: warnings from the run folder, host notices, rejected messages. */
import type { Notice } from '../state';
import { h } from './dom';

export class NoticesView {
  readonly element: HTMLElement;
  private readonly list: HTMLElement;
  private readonly count = h('span', { className: 'count' });
  private shown: readonly Notice[] = [];

  constructor() {
    this.list = h('div', { id: 'notices', attrs: { role: 'log', 'aria-live': 'polite' } });
    this.element = h('section', { className: 'card notices-card' }, [
      h('div', { className: 'card-head' }, [h('h2', { text: 'Notices' }), this.count]),
      this.list,
    ]);
    this.render([]);
  }

  render(notices: readonly Notice[]): void {
    if (notices === this.shown) return;
    // Notices only grow at the end or are replaced by init: patch by id.
    const keep = new Set(notices.map((n) => n.id));
    for (const el of Array.from(this.list.children) as HTMLElement[]) {
      if (!keep.has(Number(el.dataset.id))) el.remove();
    }
    const have = new Set(Array.from(this.list.children, (el) => Number((el as HTMLElement).dataset.id)));
    for (const n of notices) {
      if (have.has(n.id)) continue;
      this.list.append(
        h('div', { className: `notice notice-${n.level}`, dataset: { id: String(n.id) } }, [
          h('span', { className: 'notice-level', text: n.level }),
          h('span', { className: 'notice-text', text: n.message }),
        ]),
      );
    }
    this.count.textContent = notices.length ? String(notices.length) : '';
    this.element.classList.toggle('empty', notices.length === 0);
    this.shown = notices;
  }
}
