/**
 * A stand-in for the extension host in the preview page: provides
 * acquireVsCodeApi, answers `ready` with an `init` of synthetic metrics and an
 * 8-Gaussians toy snapshot, obeys the control buttons and, when live, appends
 * records and snapshots on a timer. Only the preview bundles it.
 */
import type { HostToWebview, WebviewToHost } from '../../src/protocol/messages';
import type { MetricRecord } from '../../src/protocol/metrics';
import type { RunStatus } from '../../src/protocol/run';
import { buildInit, record, runStatus, snapshot } from './synthetic';

const params = new URLSearchParams(location.search);
const N = Number(params.get('n') ?? 5000);
const LIVE = params.get('live') !== '0';
const SIZE = Number(params.get('size') ?? 64);
const STD = Number(params.get('std') ?? 0.12);
// The benchmark and the harness send their own init.
const BENCH = params.get('bench') === '1' || params.get('harness') === '1';
const TOTAL = Math.max(N * 2, 20_000);
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
  for (let i = 0; i < 25; i++) records.push(record(step++, TOTAL));
  send({ type: 'metrics', records });
  status.step = step;
  status.stepsPerSec = 100 + 10 * Math.random();
  status.updatedAt = new Date().toISOString();
  send({ type: 'status', status: { ...status } });
  if (step % 500 < 25) {
    covered = Math.min(8, covered + (Math.random() < 0.3 ? 1 : 0));
    send({ type: 'snapshot', snapshot: snapshot(step, covered, SIZE, STD) });
  }
}

function onMessage(msg: WebviewToHost): void {
  if (msg.type === 'ready') {
    if (BENCH) return;
    send(buildInit(N, TOTAL, SIZE, STD));
    // One malformed message, to show how a rejected message looks.
    send({ type: 'metrics', records: [{ step: 'soon', time: 0 }] });
    if (LIVE) timer = window.setInterval(tick, 250);
    return;
  }
  if (msg.action === 'sampleNow') {
    send({ type: 'snapshot', snapshot: snapshot(step, covered, SIZE, STD) });
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
