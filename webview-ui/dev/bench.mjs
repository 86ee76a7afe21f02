// Times an `init` of N records (default 10^6) in the real dashboard, in
// headless Chromium: validation + state + first render + first chart draw,
// then 3 s of live appends (50 records every 50 ms) on top of it.
//   node webview-ui/dev/build.mjs && node webview-ui/dev/bench.mjs [N]
import { chromium } from 'playwright-core';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const n = Number(process.argv[2] ?? 1_000_000);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--allow-file-access-from-files', '--enable-precise-memory-info', '--js-flags=--max-old-space-size=4096'],
});
const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
page.on('console', (m) => (m.type() === 'error' ? console.log('console.error:', m.text()) : undefined));
page.on('pageerror', (e) => console.log('page error:', e.message));
const cdp = process.env.PROFILE ? await page.context().newCDPSession(page) : null;
if (cdp) {
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
  await cdp.send('Profiler.start');
}
await page.goto(`${pathToFileURL(join(here, 'preview.html')).href}?bench=1&live=0&n=${n}`);
await page.waitForSelector('body[data-bench]', { timeout: 120_000 });
if (cdp) {
  const { profile } = await cdp.send('Profiler.stop');
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  profile.samples.forEach((id, i) => {
    const f = byId.get(id).callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  console.log('self time (ms), top 25:');
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(String(Math.round(v / 1000)).padStart(7), k);
}
const result = JSON.parse(await page.evaluate(() => document.body.dataset.bench ?? '{}'));
const drawn = await page.evaluate(() =>
  Object.fromEntries([...document.querySelectorAll('[id^="chart-"]')].map((e) => [e.id, e.getAttribute('data-points')])),
);
console.log(JSON.stringify({ ...result, dataPoints: drawn }, null, 2));
if (process.env.SHOT) await page.screenshot({ path: process.env.SHOT, fullPage: true });
await browser.close();
