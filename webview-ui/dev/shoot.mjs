// Screenshots of the preview page in headless Chromium, plus any console
// errors or CSP violations it reports.
//   node webview-ui/dev/build.mjs && node webview-ui/dev/shoot.mjs [outDir] [query…]
// e.g. node webview-ui/dev/shoot.mjs /tmp/gw 'theme=dark&live=0' 'theme=light&live=0'
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = process.argv[2] ?? '/tmp/gan-dashboard-shots';
const queries = process.argv.slice(3).length ? process.argv.slice(3) : ['live=0'];
const widths = (process.env.WIDTHS ?? '1200,800').split(',').map(Number);
mkdirSync(outDir, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let problems = 0;
for (const q of queries) {
  for (const width of widths) {
    const page = await browser.newPage({ viewport: { width, height: 900 }, deviceScaleFactor: Number(process.env.DPR ?? 1) });
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') {
        problems++;
        console.log(`[${q} ${width}] console.${m.type()}: ${m.text()}`);
      }
    });
    page.on('pageerror', (e) => {
      problems++;
      console.log(`[${q} ${width}] page error: ${e.message}`);
    });
    const url = `${pathToFileURL(join(here, 'preview.html')).href}?${q}`;
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 20000 });
    await page.waitForTimeout(Number(process.env.WAIT ?? 800));
    if (process.env.CLICK) await page.click(process.env.CLICK);
    if (process.env.CLICK) await page.waitForTimeout(300);
    const file = join(outDir, `${q.replace(/[^a-z0-9=]+/gi, '_')}-${width}.png`);
    await page.screenshot({ path: file, fullPage: true });
    const dom = await page.evaluate(() => ({
      title: document.querySelector('#run-title')?.textContent,
      state: document.querySelector('#run-state')?.textContent,
      step: document.querySelector('#run-step')?.textContent,
      backend: document.querySelector('#backend')?.textContent,
      charts: Object.fromEntries([...document.querySelectorAll('[id^="chart-"]')].map((e) => [e.id, e.getAttribute('data-points')])),
      scatter: { drawn: document.querySelector('#scatter')?.getAttribute('data-drawn-points'), step: document.querySelector('#scatter')?.getAttribute('data-step') },
      images: document.querySelector('#images')?.hidden
        ? null
        : { fake: document.querySelector('#grid-fake')?.getAttribute('data-step'), history: document.querySelector('#history-step')?.textContent },
      buttons: Object.fromEntries([...document.querySelectorAll('.controls button[id^="btn-"]')].map((b) => [b.id, !b.disabled])),
      notices: [...document.querySelectorAll('#notices .notice')].map((n) => n.className),
    }));
    console.log(file, JSON.stringify(dom));
    await page.close();
  }
}
await browser.close();
console.log(problems ? `${problems} console problems` : 'no console errors or warnings');
