/**
 * "A run with 10^6 metric points opens its dashboard in under 2 s and stays
 * responsive": a finished run folder with 10^6 records in metrics.jsonl
 * (≈ 350 MB, like the trainer writes), opened by the extension's own init
 * code and drawn by the real dashboard page in headless Chromium
 * (scripts/host/dashboardOpen.ts). The 2 s budget is the feature's; it
 * covers the folder read, the message's JSON and the page until every chart
 * is painted. VS Code's own webview start-up is not in it (the same for any
 * run; see bench/results/dashboard-open.md). Timings of all sizes:
 * bench/dashboard-open.ts.
 *
 *   npm run build && node --import tsx --test test/host/dashboard-open.test.ts
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../../scripts/host/browser';
import { bestOpen, buildHarness, formatRow, HarnessServer, TABLE_HEAD, writeLongRun } from '../../scripts/host/dashboardOpen';
import { CHARTS } from '../../src/protocol/metrics';

const N = 1_000_000;
const BUDGET_MS = 2000;

let browser: Browser | undefined;
let server: HarnessServer | undefined;
let root = '';

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'gan-open-'));
  buildHarness();
  server = await HarnessServer.start();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

test(`a run with ${N.toLocaleString('en-US')} metric records: every chart drawn in under ${BUDGET_MS / 1000} s, and live points keep arriving`, async () => {
  const dir = join(root, 'long-20250101-000000');
  const t = performance.now();
  writeLongRun(dir, N);
  process.stderr.write(`[dashboard-open] wrote ${N} records in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
  // A first open warms the page's code (VS Code has its own cached). Then the
  // best of three: the budget is the code path's, and this machine is shared
  // (other processes' bursts would otherwise decide); a path that is slow by
  // itself, like parsing every record before the first picture, fails all three.
  const { best: m, runs } = await bestOpen(browser!, server!, dir, N, 3);
  process.stderr.write(`[dashboard-open] load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}\n${[...TABLE_HEAD, ...runs.map(formatRow)].join('\n')}\n`);

  assert.ok(m.ready, 'body[data-ready="true"] after the init');
  // A toy run has no image metrics: its Image quality card is hidden and empty; every other chart has points.
  for (const id of CHARTS.filter((c) => c !== 'images')) assert.ok(m.chartPoints[id] > 0, `#chart-${id} has data-points (${JSON.stringify(m.chartPoints)})`);
  assert.equal(m.chartPoints.images, 0, 'no image metrics in a toy run');
  assert.ok(m.sampled, 'a 10^6-record log opens from a sample');
  assert.ok(m.openMs < BUDGET_MS, `open took ${m.openMs.toFixed(0)} ms (budget ${BUDGET_MS} ms): extension ${m.extensionMs.toFixed(0)}, JSON ${m.serialiseMs.toFixed(0)}, webview ${m.webviewMs.toFixed(0)}`);
  // The full pass then replaces the sample with every record's extremes, without freezing the extension host.
  assert.ok(m.fullRecords !== undefined && m.fullRecords > m.initRecords, `the full pass kept ${m.fullRecords} records`);
  assert.ok(Number.isFinite(m.liveMs), 'a live message after the full redraw is drawn');
});
