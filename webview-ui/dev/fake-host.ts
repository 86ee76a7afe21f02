/**
 * A stand-in for the extension host in the preview page: provides
 * acquireVsCodeApi, answers `ready` with an `init` of synthetic metrics and an
 * 8-Gaussians toy snapshot (or, with ?images=digits|rgb, an image run's
 * snapshot and its snapshot steps), obeys the control buttons, answers the
 * history slider's requests and, when live, appends records and snapshots on
 * a timer. Only the preview bundles it.
 */
import type { HostToWebview, WebviewToHost } from '../../src/protocol/messages';
import type { MetricRecord } from '../../src/protocol/metrics';
import type { RunStatus } from '../../src/protocol/run';
import { buildInit, record, runStatus, snapshot } from './synthetic';
import { imageSnapshot, type ImageRunKind } from './synthetic-images';

const params = new URLSearchParams(location.search);
const N = Number(params.get('n') ?? 5000);
const LIVE = params.get('live') !== '0';
const SIZE = Number(params.get('size') ?? 64);
const STD = Number(params.get('std') ?? 0.12);
// The benchmark and the harness send their own init.
const BENCH = params.get('bench') === '1' || params.get('harness') === '1';
const TOTAL = Math.max(N * 2, 20_000);
const IMAGES = (['digits', 'rgb'] as const).find((k) => k === params.get('images')) as ImageRunKind | undefined;
/** An image run saves a snapshot every this many steps (its history slider's stops). */
const SNAP_EVERY = 250;
document.body.classList.add(params.get('theme') === 'light' ? 'vscode-light' : 'vscode-dark');

let step = N;
let covered = 6;
const status: RunStatus = runStatus(step, TOTAL);

function send(msg: HostToWebview | Record<string, unknown>): void {
  window.postMessage(msg, '*');
}

let timer = 0;
function tick(): void {
  if (status.state !== 'running') return;
  const records: MetricRecord[] = [];
  for (let i = 0; i < 25; i++) records.push(IMAGES ? imageRecord(record(step++, TOTAL)) : record(step++, TOTAL));
  send({ type: 'metrics', records });
  status.step = step;
  status.stepsPerSec = 100 + 10 * Math.random();
  status.updatedAt = new Date().toISOString();
  send({ type: 'status', status: { ...status } });
  if (IMAGES) {
    if (step % SNAP_EVERY < 25) send({ type: 'snapshot', snapshot: liveSnapshot() });
  } else if (step % 500 < 25) {
    covered = Math.min(8, covered + (Math.random() < 0.3 ? 1 : 0));
    send({ type: 'snapshot', snapshot: snapshot(step, covered, SIZE, STD) });
  }
}

/** A record of an image run: no mode counts (they need a mixture's known modes), a diversity % instead. */
function imageRecord(r: MetricRecord): MetricRecord {
  const { modesCovered: _m, hqPercent: _h, ...rest } = r;
  if (r.step % 10 === 0) rest.diversity = 100 * (1 - 0.6 * Math.exp((-4 * r.step) / TOTAL)) - 4 * Math.random();
  return rest as MetricRecord;
}

/** Steps of the image run's "saved" snapshots (what the host would find in samples/). */
const saved = new Set<number>();

/** The image run's snapshot at `at` (now, on the grid of saved steps, by default), saved. */
function liveSnapshot(at = step - (step % SNAP_EVERY)) {
  saved.add(at);
  return imageSnapshot(IMAGES ?? 'digits', at, TOTAL);
}

/** An image run's init: its metrics without the toy mixtures' mode counts, its snapshot, then its saved steps. */
function sendImageInit(kind: ImageRunKind): void {
  const init = buildInit(N, TOTAL, SIZE, STD);
  if (init.type !== 'init') return;
  const metrics = init.metrics.map(imageRecord);
  const name = kind === 'digits' ? 'mnist · conditional DCGAN' : 'shapes32 · WGAN-GP';
  const dataset = kind === 'digits' ? 'mnist' : 'shapes32 (rgb)';
  send({ ...init, run: { ...init.run, id: `2024-06-01T10-00-00-${kind}`, name, dataset }, metrics, snapshot: liveSnapshot() });
  for (let s = 0; s <= step; s += SNAP_EVERY) saved.add(s);
  send({ type: 'snapshotSteps', steps: [...saved].sort((a, b) => a - b) });
}

function onMessage(msg: WebviewToHost): void {
  if (msg.type === 'ready') {
    if (BENCH) return;
    if (IMAGES) sendImageInit(IMAGES);
    else send(buildInit(N, TOTAL, SIZE, STD));
    // One malformed message, to show how a rejected message looks.
    send({ type: 'metrics', records: [{ step: 'soon', time: 0 }] });
    if (LIVE) timer = window.setInterval(tick, 250);
    return;
  }
  if (msg.type === 'requestSnapshot') {
    // As the host does: read the saved file (here: draw it again), a little later.
    if (!IMAGES || !saved.has(msg.step)) {
      send({ type: 'notice', level: 'warn', message: `History: no snapshot of step ${msg.step} in the preview run` });
      return;
    }
    const kind = IMAGES;
    setTimeout(() => send({ type: 'historySnapshot', snapshot: imageSnapshot(kind, msg.step, TOTAL) }), 40);
    return;
  }
  if (msg.type === 'applyFix') return;
  if (msg.action === 'sampleNow') {
    send({ type: 'snapshot', snapshot: IMAGES ? liveSnapshot(step) : snapshot(step, covered, SIZE, STD) });
    send({ type: 'notice', level: 'info', message: `snapshot taken at step ${step}` });
    return;
  }
  const next = { pause: 'paused', resume: 'running', stop: 'stopped' } as const;
  status.state = next[msg.action];
  status.updatedAt = new Date().toISOString();
  send({ type: 'status', status: { ...status } });
  if (status.state === 'stopped') window.clearInterval(timer);
}

const posted: WebviewToHost[] = [];
let stored: unknown = undefined;
(globalThis as unknown as { acquireVsCodeApi: () => unknown }).acquireVsCodeApi = () => ({
  postMessage: (m: WebviewToHost) => {
    posted.push(m);
    setTimeout(() => onMessage(m), 0);
  },
  getState: () => stored,
  setState: (s: unknown) => {
    stored = s;
  },
});

/** For the benchmark and for poking at the page from devtools. */
(globalThis as unknown as { ganPreview: unknown }).ganPreview = { posted, send, total: TOTAL };
