/**
 * Preview entry: the fake host first (it defines acquireVsCodeApi), then the
 * real dashboard entry, unchanged.
 *
 * ?bench=1&n=N: a worker builds an init of N records (so the page holds one
 * copy, as in VS Code); the page times reading it from the worker's message
 * (deserialisation), then hands it to the dashboard as a window 'message'
 * event and times validation + state, the synchronous render and the first
 * chart draw; then 3 s of live appends. Results go to body[data-bench].
 *
 * ?harness=1 (served over http by scripts/host/dashboardOpen.ts): the page
 * waits for the test. `ganHarness.open(url)` fetches a host message (JSON,
 * as a webview message crosses processes in code-server), hands it to the
 * dashboard and resolves once every chart is painted, with timings from the
 * fetch on.
 */
import './fake-host';
import '../src/main';
import { record } from './synthetic';
import { CHARTS_DRAWN_EVENT } from '../src/view/app';

const params = new URLSearchParams(location.search);
const entry = (name: string) => performance.getEntriesByName(name)[0]?.duration ?? NaN;
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);

if (params.get('bench') === '1') {
  const n = Number(params.get('n') ?? 1_000_000);
  const worker = new Worker('out/bench-worker.js');
  worker.onmessage = (e: MessageEvent) => {
    const t0 = performance.now();
    const { init, buildMs } = e.data as { init: unknown; buildMs: number };
    const deserialiseMs = performance.now() - t0;
    worker.terminate();
    const start = performance.now();
    let chartsMs = 0;
    let frames = 0;
    let firstFrameMs = NaN;
    const onDrawn = (ev: Event) => {
      const d = (ev as CustomEvent<{ ms: number; complete: boolean }>).detail;
      chartsMs += d.ms;
      frames++;
      if (frames === 1) firstFrameMs = performance.now() - start;
      if (d.complete) {
        document.removeEventListener(CHARTS_DRAWN_EVENT, onDrawn);
        // The frame after the last chart draw is painted.
        requestAnimationFrame(() => afterInit(performance.now() - start));
      }
    };
    document.addEventListener(CHARTS_DRAWN_EVENT, onDrawn);
    window.dispatchEvent(new MessageEvent('message', { data: init }));
    const handledMs = performance.now() - start;
    const receiveMs = entry('gw:receive');
    const renderMs = entry('gw:render');
    const afterInit = (total: number) => {
        const flushes: number[] = [];
        const handle: number[] = [];
        document.addEventListener(CHARTS_DRAWN_EVENT, (ev) => flushes.push((ev as CustomEvent<{ ms: number }>).detail.ms));
        let step = n;
        const total2 = Math.max(n * 2, 20_000);
        const timer = setInterval(() => {
          const records = [];
          for (let i = 0; i < 50; i++) records.push(record(step++, total2));
          const a = performance.now();
          window.dispatchEvent(new MessageEvent('message', { data: { type: 'metrics', records } }));
          handle.push(performance.now() - a);
        }, 50);
        setTimeout(() => {
          clearInterval(timer);
          const memory = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
          document.body.dataset.bench = JSON.stringify({
            records: n,
            workerBuildMs: Math.round(buildMs),
            deserialiseMs: Math.round(deserialiseMs),
            validateAndApplyMs: Math.round(receiveMs),
            syncRenderMs: Math.round(renderMs),
            handledMs: Math.round(handledMs),
            firstChartsFrameMs: Math.round(firstFrameMs),
            chartFrames: frames,
            chartWorkMs: Math.round(chartsMs),
            initToPaintMs: Math.round(total),
            appends: handle.length,
            appendHandleMeanMs: Number(mean(handle).toFixed(2)),
            appendHandleMaxMs: Number(Math.max(0, ...handle).toFixed(2)),
            chartFlushes: flushes.length,
            chartFlushMeanMs: Number(mean(flushes).toFixed(1)),
            chartFlushMaxMs: Number(Math.max(0, ...flushes).toFixed(1)),
            heapMB: memory ? Math.round(memory.usedJSHeapSize / 2 ** 20) : undefined,
          });
        }, 3000);
    };
  };
  // Let the page settle first.
  setTimeout(() => worker.postMessage({ n }), 300);
}

if (params.get('harness') === '1') {
  (globalThis as unknown as { ganHarness: unknown }).ganHarness = {
    /** Fetch one host message and deliver it; resolves with timings once the charts are painted. */
    async open(url: string): Promise<{ fetchMs: number; parseMs: number; handledMs: number; drawnMs: number }> {
      const start = performance.now();
      const text = await (await fetch(url)).text();
      const fetchMs = performance.now() - start;
      return new Promise((resolve) => {
        let parseMs = 0;
        let handledMs = 0;
        const onDrawn = (ev: Event) => {
          if (!(ev as CustomEvent<{ complete: boolean }>).detail.complete) return;
          document.removeEventListener(CHARTS_DRAWN_EVENT, onDrawn);
          // Resolved after the frame that shows the charts is painted.
          requestAnimationFrame(() => setTimeout(() => resolve({ fetchMs, parseMs, handledMs, drawnMs: performance.now() - start }), 0));
        };
        document.addEventListener(CHARTS_DRAWN_EVENT, onDrawn);
        const data: unknown = JSON.parse(text);
        parseMs = performance.now() - start;
        window.dispatchEvent(new MessageEvent('message', { data }));
        handledMs = performance.now() - start;
      });
    },
  };
}
