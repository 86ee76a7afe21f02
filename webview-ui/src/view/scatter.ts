/**
 * The 2-D view of a toy2d snapshot: the discriminator heatmap behind real and
 * generated points, with axis ticks, a colour bar and a legend. One canvas,
 * sized in device pixels so it is crisp on HiDPI screens.
 */
import type { ToySnapshot } from '../../../src/protocol/metrics';
import { rgbCss, viridis } from '../render/colormap';
import { heatmapImage, type HeatmapImage } from '../render/heatmap';
import { coverageLevel, formatTick } from '../render/format';
import { COLOUR_BAR, niceTicks, projection, scatterLayout, type Rect } from '../render/plot2d';
import { h, setText } from './dom';
import type { Theme } from './theme';

const POINT_RADIUS = 2.25;

export class ScatterView {
  readonly element: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  private readonly box: HTMLElement;
  private readonly empty = h('div', { className: 'scatter-empty', text: 'no 2-D snapshot yet' });
  private readonly modes = h('span', { id: 'modes', className: 'modes' });
  private readonly stepLabel = h('span', { className: 'snap-step' });
  private readonly scaleLabel = h('span', { className: 'legend-scale' });
  private snapshot: ToySnapshot | null = null;
  private heat: { image: HeatmapImage; bitmap: HTMLCanvasElement } | null = null;
  private theme: Theme;
  private frame = 0;

  constructor(theme: Theme) {
    this.theme = theme;
    this.canvas = h('canvas', { id: 'scatter', attrs: { role: 'img', 'aria-label': '2-D samples over the discriminator heatmap' }, dataset: { drawnPoints: '0' } });
    this.box = h('div', { className: 'scatter-box' }, [this.canvas, this.empty]);
    this.modes.hidden = true;
    this.element = h('section', { className: 'card scatter-card' }, [
      h('div', { className: 'card-head' }, [h('h2', { text: '2-D view' }), this.stepLabel, this.modes]),
      this.box,
      h('div', { className: 'legend' }, [
        h('span', { className: 'legend-item' }, [h('span', { className: 'swatch swatch-real' }), 'real']),
        h('span', { className: 'legend-item' }, [h('span', { className: 'swatch swatch-fake' }), 'generated']),
        this.scaleLabel,
      ]),
    ]);
    new ResizeObserver(() => this.schedule()).observe(this.box);
    // A devicePixelRatio change (zoom, moving to another screen) changes no CSS size.
    window.addEventListener('resize', () => this.schedule());
  }

  setSnapshot(snapshot: ToySnapshot | null): void {
    if (snapshot === this.snapshot) return;
    this.snapshot = snapshot;
    this.heat = null;
    if (snapshot) {
      const image = heatmapImage(snapshot.heatmap.values, snapshot.heatmap.size);
      this.heat = { image, bitmap: toBitmap(image) };
      this.canvas.dataset.step = String(snapshot.step);
      setText(this.stepLabel, `step ${snapshot.step}`);
      setText(
        this.scaleLabel,
        image.scale === 'probability' ? 'background: D(x), probability 0 → 1' : 'background: critic value (min → max)',
      );
      if (snapshot.modes) {
        setText(this.modes, `modes covered ${snapshot.modes.covered}/${snapshot.modes.total}`);
        // Coloured by how many: green only when every mode is covered (styles.css).
        this.modes.dataset.coverage = coverageLevel(snapshot.modes.covered, snapshot.modes.total);
      }
      this.modes.hidden = !snapshot.modes;
    } else {
      delete this.canvas.dataset.step;
      setText(this.stepLabel, '');
      setText(this.scaleLabel, '');
      this.modes.hidden = true;
    }
    this.empty.hidden = snapshot !== null;
    this.draw();
  }

  setTheme(theme: Theme): void {
    this.theme = theme;
    this.draw();
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  /** Draw the current snapshot; sets data-drawn-points to the generated points drawn. */
  draw(): void {
    const dpr = window.devicePixelRatio || 1;
    const cssW = this.box.clientWidth;
    const cssH = this.box.clientHeight;
    const w = Math.max(1, Math.round(cssW * dpr));
    const hgt = Math.max(1, Math.round(cssH * dpr));
    if (this.canvas.width !== w) this.canvas.width = w;
    if (this.canvas.height !== hgt) this.canvas.height = hgt;
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, cssW, cssH);
    const snap = this.snapshot;
    const heat = this.heat;
    if (!snap || !heat || cssW < 40 || cssH < 40) {
      this.canvas.dataset.drawnPoints = '0';
      return;
    }
    const t = this.theme;
    ctx.font = `${Math.max(10, t.fontSize - 2)}px ${t.fontFamily}`;
    const barLabels = colourBarLabels(heat.image);
    const { plot: rect, bar } = scatterLayout(cssW, cssH, Math.max(...barLabels.map((l) => ctx.measureText(l).width)));
    const extent = snap.extent;
    const p = projection(extent, rect);

    // Heatmap: image row 0 (y = +extent) at the top of the plot, smoothed between cell centres.
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(heat.bitmap, rect.left, rect.top, rect.width, rect.height);

    // Axes: frame, ticks and labels.
    ctx.strokeStyle = t.border;
    ctx.lineWidth = 1;
    ctx.strokeRect(rect.left - 0.5, rect.top - 0.5, rect.width + 1, rect.height + 1);
    ctx.fillStyle = t.muted;
    ctx.strokeStyle = t.muted;
    const ticks = niceTicks(-extent, extent, 4);
    ctx.beginPath();
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (const v of ticks) {
      const x = Math.round(p.px(v)) + 0.5;
      ctx.moveTo(x, rect.top + rect.height);
      ctx.lineTo(x, rect.top + rect.height + 4);
      ctx.fillText(formatTick(v), x, rect.top + rect.height + 6);
    }
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const v of ticks) {
      const y = Math.round(p.py(v)) + 0.5;
      ctx.moveTo(rect.left - 4, y);
      ctx.lineTo(rect.left, y);
      ctx.fillText(formatTick(v), rect.left - 6, y);
    }
    ctx.stroke();

    // Points outside the extent are drawn hollow on the border, so nothing
    // generated is silently left out.
    ctx.save();
    ctx.beginPath();
    ctx.rect(rect.left - POINT_RADIUS, rect.top - POINT_RADIUS, rect.width + 2 * POINT_RADIUS, rect.height + 2 * POINT_RADIUS);
    ctx.clip();
    // Real points first, generated ones over them, slightly translucent so a
    // covered mode still shows its real points through.
    drawPoints(ctx, snap.real, p, extent, t.realPoint, 'rgba(0, 0, 0, 0.5)', 1);
    const drawn = drawPoints(ctx, snap.fake, p, extent, t.fakePoint, 'rgba(255, 255, 255, 0.6)', 0.8);
    ctx.restore();
    this.canvas.dataset.drawnPoints = String(drawn);

    drawColourBar(ctx, barLabels, bar, t);
  }
}

function toBitmap(image: HeatmapImage): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = image.width;
  c.height = image.height;
  const ctx = c.getContext('2d');
  if (ctx) {
    const data = ctx.createImageData(image.width, image.height);
    data.data.set(image.data);
    ctx.putImageData(data, 0, 0);
  }
  return c;
}

function drawPoints(
  ctx: CanvasRenderingContext2D,
  points: ReadonlyArray<readonly [number, number]>,
  p: { px(x: number): number; py(y: number): number },
  extent: number,
  fill: string,
  stroke: string,
  alpha: number,
): number {
  const inside = new Path2D();
  const outside = new Path2D();
  let any = false;
  for (const [x, y] of points) {
    const cx = Math.min(extent, Math.max(-extent, x));
    const cy = Math.min(extent, Math.max(-extent, y));
    const path = cx === x && cy === y ? inside : outside;
    any ||= path === outside;
    const X = p.px(cx);
    const Y = p.py(cy);
    path.moveTo(X + POINT_RADIUS, Y);
    path.arc(X, Y, POINT_RADIUS, 0, 2 * Math.PI);
  }
  // Outlines first, fills over them: a dense cluster reads as one patch of
  // its colour with an outline, not as a pile of (darkening) outlines.
  ctx.fillStyle = fill;
  ctx.strokeStyle = stroke;
  ctx.lineWidth = 1.5;
  ctx.stroke(inside);
  ctx.globalAlpha = alpha;
  ctx.fill(inside);
  ctx.globalAlpha = 1;
  if (any) {
    ctx.strokeStyle = fill;
    ctx.lineWidth = 1.25;
    ctx.stroke(outside);
  }
  return points.length;
}

/** The colour bar's labels, top to bottom: the heatmap's maximum, middle and minimum. */
function colourBarLabels(image: HeatmapImage): [string, string, string] {
  return [formatTick(image.max), formatTick((image.min + image.max) / 2), formatTick(image.min)];
}

function drawColourBar(ctx: CanvasRenderingContext2D, [top, mid, bottom]: readonly string[], r: Rect, t: Theme): void {
  const g = ctx.createLinearGradient(0, r.top + r.height, 0, r.top);
  for (let k = 0; k <= 16; k++) g.addColorStop(k / 16, rgbCss(viridis(k / 16)));
  ctx.fillStyle = g;
  ctx.fillRect(r.left, r.top, r.width, r.height);
  ctx.strokeStyle = t.border;
  ctx.strokeRect(r.left - 0.5, r.top - 0.5, r.width + 1, r.height + 1);
  ctx.fillStyle = t.muted;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  const x = r.left + r.width + COLOUR_BAR.labelGap;
  ctx.fillText(top, x, r.top + 5);
  ctx.fillText(mid, x, r.top + r.height / 2);
  ctx.fillText(bottom, x, r.top + r.height - 5);
}
