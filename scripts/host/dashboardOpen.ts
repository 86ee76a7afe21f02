/**
 * How long a run's dashboard takes to open, end to end except VS Code's own
 * webview start-up: the extension's init from the run folder (buildInit),
 * its serialisation (a webview message crosses processes as JSON in
 * code-server), and in headless Chromium the real dashboard page
 * (webview-ui/dev/preview.html?harness=1, served over http): fetching the
 * message, parsing, validation, state, decimation and drawing until every
 * chart is painted. Then the full pass
 * (buildFullInit) and a live message on top of it. Shared by
 * test/host/dashboard-open.test.ts and bench/dashboard-open.ts.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { buildFullInit, buildInit } from '../../src/extension/dashboard/initMessage';
import type { MetricRecord } from '../../src/protocol/metrics';
import { CHARTS } from '../../src/protocol/metrics';
import { record, snapshot } from '../../webview-ui/dev/synthetic';
import { REPO_ROOT } from './server';

const DEV = join(REPO_ROOT, 'webview-ui', 'dev');
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.map': 'application/json' };

/**
 * The preview page and the messages of one measurement, over http on
 * 127.0.0.1: the page fetches each message as the JSON text it would cross
 * processes as. `publish` puts a message at a path.
 */
export class HarnessServer {
  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
    private readonly messages: Map<string, string>,
  ) {}

  static async start(): Promise<HarnessServer> {
    const messages = new Map<string, string>();
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const msg = messages.get(url.pathname);
      if (msg !== undefined) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(msg);
        return;
      }
      const file = normalize(join(DEV, url.pathname));
      if (!file.startsWith(DEV + '/')) {
        res.writeHead(403).end();
        return;
      }
      let body: Buffer;
      try {
        body = readFileSync(file);
      } catch {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new HarnessServer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, messages);
  }

  publish(path: string, json: string): string {
    this.messages.clear();
    this.messages.set(path, json);
    return path;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * A finished run folder with `n` metric records (≈ 350 bytes and 12 metrics
 * each, like the trainer's) and one snapshot. The records' values come from
 * 4,096 synthetic ones spread over the run (with jitter), so a million lines
 * are written in seconds and the curves still have the run's shape.
 */
export function writeLongRun(dir: string, n: number): void {
  mkdirSync(join(dir, 'samples'), { recursive: true });
  const config = { name: 'long', variant: 'wgan-gp', data: { kind: 'toy', name: '8gaussians' }, training: { steps: n } };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2));
  const now = new Date().toISOString();
  writeFileSync(join(dir, 'status.json'), JSON.stringify({ state: 'completed', step: n, totalSteps: n, startedAt: now, updatedAt: now }));
  writeFileSync(join(dir, 'samples', `step-${String(n).padStart(8, '0')}.json`), JSON.stringify(snapshot(n, 7)));
  const T = Math.min(4096, n);
  const bodies: string[] = [];
  for (let j = 0; j < T; j++) {
    const { step: _s, time: _t, ...values } = record(Math.floor((j * n) / T) + 1, n);
    bodies.push(JSON.stringify(values).slice(1));
  }
  const fd = openSync(join(dir, 'metrics.jsonl'), 'w');
  try {
    let lines: string[] = [];
    for (let i = 1; i <= n; i++) {
      const j = (Math.floor(((i - 1) * T) / n) + (i % 5)) % T;
      lines.push(`{"step":${i},"time":${i / 120},${bodies[j]}`);
      if (lines.length === 20_000 || i === n) {
        writeSync(fd, lines.join('\n') + '\n');
        lines = [];
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** Bundle the preview page (webview-ui/dev/out, git-ignored). */
export function buildHarness(): void {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'webview-ui', 'dev', 'build.mjs')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`node webview-ui/dev/build.mjs failed (${r.status}):\n${r.stderr}`);
}

interface Delivered {
  fetchMs: number;
  parseMs: number;
  handledMs: number;
  drawnMs: number;
}

export interface OpenTimes {
  records: number;
  /** Records in the first init (a sample for long logs). */
  initRecords: number;
  sampled: boolean;
  /** buildInit: the folder read. */
  extensionMs: number;
  /** JSON of the init message, as it crosses to the webview. */
  serialiseMs: number;
  messageMB: number;
  /** In the page: from fetching the message (its transfer) to every chart painted. */
  webviewMs: number;
  /** extensionMs + serialiseMs + webviewMs: the open, but for VS Code's own webview start-up. */
  openMs: number;
  /** data-points of each chart after the open. */
  chartPoints: Record<string, number>;
  ready: boolean;
  /** The full pass (only for sampled inits): buildFullInit, its longest block of the event loop, and its redraw. */
  fullPassMs?: number;
  fullPassMaxBlockMs?: number;
  fullRecords?: number;
  fullDrawMs?: number;
  /** A live metrics message of one record, from arrival to painted, with the run loaded. */
  liveMs: number;
}

export async function harnessPage(browser: Browser, server: HarnessServer): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.baseUrl}/preview.html?harness=1&live=0`);
  await page.waitForFunction(() => 'ganHarness' in globalThis, undefined, { timeout: 30_000 });
  if (errors.length) throw new Error(`the preview page failed: ${errors.join('; ')}`);
  return page;
}

async function deliver(page: Page, server: HarnessServer, json: string, timeoutMs = 60_000): Promise<Delivered> {
  const url = server.publish(`/message-${Date.now()}.json`, json);
  return page.evaluate(
    ([u, timeout]) =>
      Promise.race([
        (globalThis as unknown as { ganHarness: { open(u: string): Promise<Delivered> } }).ganHarness.open(u),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`charts not drawn within ${timeout} ms`)), timeout)),
      ]),
    [url, timeoutMs] as const,
  );
}

async function chartPoints(page: Page): Promise<Record<string, number>> {
  return page.evaluate(
    (ids) => Object.fromEntries(ids.map((id) => [id, Number(document.querySelector(`#chart-${id}`)?.getAttribute('data-points') ?? '0')])),
    [...CHARTS],
  );
}

/**
 * Open the dashboard of `dir` in a fresh harness page and time it (see
 * OpenTimes); with `fullPass`, a sampled open is followed by the full pass
 * and its redraw before the live message.
 */
export async function measureOpen(browser: Browser, server: HarnessServer, dir: string, records: number, opts: { fullPass?: boolean } = {}): Promise<OpenTimes> {
  const page = await harnessPage(browser, server);
  try {
    const t0 = performance.now();
    const build = buildInit({ dir });
    const t1 = performance.now();
    const json = JSON.stringify(build.message);
    const t2 = performance.now();
    const page1 = await deliver(page, server, json);
    const ready = await page.evaluate(() => document.body.dataset.ready === 'true');
    const points = await chartPoints(page);
    const times: OpenTimes = {
      records,
      initRecords: build.message.metrics.length,
      sampled: build.sampled,
      extensionMs: t1 - t0,
      serialiseMs: t2 - t1,
      messageMB: json.length / 2 ** 20,
      webviewMs: page1.drawnMs,
      openMs: t2 - t0 + page1.drawnMs,
      chartPoints: points,
      ready,
      liveMs: NaN,
    };
    let last = build.lastStep;
    if (build.sampled && (opts.fullPass ?? true)) {
      // The extension host's event loop while the whole log is read: its longest block.
      let maxBlock = 0;
      let prev = performance.now();
      const probe = setInterval(() => {
        const now = performance.now();
        maxBlock = Math.max(maxBlock, now - prev - 5);
        prev = now;
      }, 5);
      const f0 = performance.now();
      const full = await buildFullInit(() => ({ dir }));
      times.fullPassMs = performance.now() - f0;
      clearInterval(probe);
      times.fullPassMaxBlockMs = maxBlock;
      if (!full) throw new Error('the full pass was cancelled');
      times.fullRecords = full.message.metrics.length;
      times.fullDrawMs = (await deliver(page, server, JSON.stringify(full.message))).drawnMs;
      last = Math.max(last, full.lastStep);
    }
    const live: MetricRecord[] = [record(last + 1, Math.max(records, last + 1))];
    times.liveMs = (await deliver(page, server, JSON.stringify({ type: 'metrics', records: live }))).drawnMs;
    return times;
  } finally {
    await page.close();
  }
}

/**
 * One warm-up open (the page's code gets compiled and cached, as VS Code has
 * its own), then `rounds` measured opens; the last one also times the full
 * pass. Returns every round and the fastest open, with the full pass's
 * figures.
 */
export async function bestOpen(browser: Browser, server: HarnessServer, dir: string, records: number, rounds: number): Promise<{ best: OpenTimes; runs: OpenTimes[] }> {
  await measureOpen(browser, server, dir, records, { fullPass: false });
  const runs: OpenTimes[] = [];
  for (let i = 0; i < rounds; i++) runs.push(await measureOpen(browser, server, dir, records, { fullPass: i === rounds - 1 }));
  const fastest = runs.reduce((a, b) => (b.openMs < a.openMs ? b : a));
  const full = runs[runs.length - 1];
  const best = { ...fastest, fullPassMs: full.fullPassMs, fullPassMaxBlockMs: full.fullPassMaxBlockMs, fullRecords: full.fullRecords, fullDrawMs: full.fullDrawMs };
  return { best, runs };
}

export function formatRow(t: OpenTimes): string {
  const f = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '—' : x.toFixed(0));
  return `| ${t.records.toLocaleString('en-US')} | ${t.initRecords.toLocaleString('en-US')}${t.sampled ? ' (sample)' : ''} | ${f(t.extensionMs)} | ${f(t.serialiseMs)} | ${t.messageMB.toFixed(1)} | ${f(t.webviewMs)} | **${f(t.openMs)}** | ${f(t.liveMs)} | ${f(t.fullPassMs)} | ${f(t.fullPassMaxBlockMs)} | ${t.fullRecords?.toLocaleString('en-US') ?? '—'} | ${f(t.fullDrawMs)} |`;
}

export const TABLE_HEAD = [
  '| records in metrics.jsonl | records in first init | extension read (ms) | JSON (ms) | message (MB) | webview: message → charts painted (ms) | **open, total (ms)** | live message → painted (ms) | full pass (ms) | full pass: longest event-loop block (ms) | records after full pass | redraw after full pass (ms) |',
  '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
];
