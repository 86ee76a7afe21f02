/**
 * How long a run's dashboard takes to open, by the length of its metrics log
 * (10^3 … 10^6 records): the extension's init from the folder, its JSON, and
 * the real dashboard page in headless Chromium until every chart is painted
 * (scripts/host/dashboardOpen.ts); then, for a sampled open, the full pass
 * and its redraw, and a live message painted on top. Best of `--rounds`
 * opens after one warm-up open (the last round also times the full pass). Prints a table and writes
 * bench/results/dashboard-open.md.
 *
 *   npm run build && npx tsx bench/dashboard-open.ts [--rounds 3] [--sizes 1000,10000,100000,1000000]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { launchBrowser } from '../scripts/host/browser';
import { METRICS_FILE_DEFAULTS } from '../src/extension/dashboard/metricsFile';
import { bestOpen, buildHarness, formatRow, HarnessServer, TABLE_HEAD, writeLongRun, type OpenTimes } from '../scripts/host/dashboardOpen';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, sizes: { type: 'string', default: '1000,10000,100000,1000000' } } });
const rounds = Number(values.rounds);
const sizes = values.sizes.split(',').map(Number);
if (!(rounds >= 1) || sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('--rounds: a count ≥ 1; --sizes: comma-separated record counts ≥ 1');

async function main(): Promise<void> {
  buildHarness();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ganwb-bench-open-'));
  const server = await HarnessServer.start();
  const browser = await launchBrowser();
  const rows: OpenTimes[] = [];
  const loads: string[] = [];
  try {
    for (const n of sizes) {
      const dir = path.join(root, `run-${n}`);
      writeLongRun(dir, n);
      const { best } = await bestOpen(browser, server, dir, n, rounds);
      rows.push(best);
      loads.push(os.loadavg()[0].toFixed(1));
      console.log(formatRow(best));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    await browser.close();
    await server.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
  const date = new Date().toISOString().slice(0, 10);
  const head = `GAN Workbench dashboard open — ${date}, ${os.cpus().length} cores, node ${process.version}, best of ${rounds} (1-min load average while measuring: ${loads.join(', ')})`;
  const table = [head, ...TABLE_HEAD, ...rows.map(formatRow)].join('\n');
  console.log(`\n${table}`);
  const D = METRICS_FILE_DEFAULTS;
  const mb = (b: number) => (b >= 2 ** 20 ? `${b / 2 ** 20} MB` : `${b / 1024} KB`);
  const small = rows[0];
  const large = rows[rows.length - 1];
  const fixed =
    rows.length > 1
      ? `The page's fixed cost is the smallest log's open (${small.openMs.toFixed(0)} ms for ${small.records.toLocaleString('en-US')} records); the ${large.records.toLocaleString('en-US')}-record log's open is ${large.openMs.toFixed(0)} ms. Timings scale with the machine's load: compare rows of one run, not runs.`
      : '';
  const md = `# Dashboard open time (bench/dashboard-open.ts)

Command: \`npm run build && npx tsx bench/dashboard-open.ts --rounds ${rounds} --sizes ${sizes.join(',')}\`.
A finished run folder with N records in metrics.jsonl (≈ 350 bytes each, like the trainer's: 12 metrics per record)
is opened by the extension's own code (\`buildInit\`), its init message is serialised to JSON (as a webview message
crosses processes in code-server) and the real dashboard page (webview-ui/dev/preview.html?harness=1, headless
Chromium) fetches it, validates it, builds its state, decimates (LTTB) and draws until every chart is painted.
VS Code's own webview start-up is not included (the same for every run).

${table}

What the columns mean:

- **open, total**: extension read + JSON + webview (message fetched → every chart painted).
- **live message → painted**: one live \`metrics\` message (one record) on the loaded dashboard, from its arrival to
  the charts showing it: what "stays responsive" means here.
- **full pass**: for a log over ${mb(D.fullReadBytes)} the first init is a sample (${D.sampleLines.toLocaleString('en-US')} lines evenly spaced by byte
  offset plus the last ${mb(D.tailBytes)} in full); the extension then reads every record in ${mb(D.chunkBytes)} chunks,
  asynchronously, and keeps per metric and per 1/${D.buckets} of the file the first, last, lowest and highest value
  (and gap edges). **longest event-loop block** is
  the longest time the extension host's event loop was held during that pass (what other extensions and the UI wait
  for at worst). The redraw replaces the sample with that decimated view.

${fixed}

Before this change the extension parsed every line with zod before the first message: 10^6 records took
≈ 12 s of blocked extension host on this machine, and sent a 200,000-record (≈ 70 MB) init.
`;
  fs.mkdirSync('bench/results', { recursive: true });
  fs.writeFileSync('bench/results/dashboard-open.md', md);
  console.log('\nwrote bench/results/dashboard-open.md');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
