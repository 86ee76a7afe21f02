/**
 * The demo behind scripts/demo.sh: scaffolds an experiment with the
 * extension's own scaffolder (if it is not there yet), serves the workspace in
 * code-server, prints the URL, and — unless --no-train — has a headless
 * Chromium run "GAN: Start Training" on it, so whoever opens the URL finds a
 * live run. Serves until Ctrl-C, which also stops the demo's trainer.
 *
 *   npx tsx scripts/host/demo.ts --workspace DIR [--name demo-ring]
 *        [--variant wgan-gp] [--dataset 8gaussians] [--steps 20000]
 *        [--port N] [--no-train] [--scaffold-only]
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { launchBrowser, newPage, openWorkbench, pickQuickItem, poll, runCommand, waitForExtension, webviewFrame } from './browser';
import { CODE_SERVER_VERSION, REPO_ROOT, readExtensionId, startHost, type Host } from './server';
// The extension's own scaffolder (no vscode import): the same files
// "GAN: New Experiment…" writes.
import { writeExperiment } from '../../src/extension/scaffold/scaffold';
import type { ToyDataset } from '../../src/protocol/config';
import type { VariantId } from '../../src/protocol/variants';

interface Args {
  workspace: string;
  name: string;
  variant: string;
  dataset: string;
  steps: number;
  port?: number;
  train: boolean;
  scaffoldOnly: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { workspace: join(REPO_ROOT, '.gan-demo'), name: 'demo-ring', variant: 'wgan-gp', dataset: '8gaussians', steps: 20_000, train: true, scaffoldOnly: false };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = () => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${k} needs a value`);
      return x;
    };
    if (k === '--workspace') a.workspace = resolve(v());
    else if (k === '--name') a.name = v();
    else if (k === '--variant') a.variant = v();
    else if (k === '--dataset') a.dataset = v();
    else if (k === '--steps') a.steps = Number(v());
    else if (k === '--port') a.port = Number(v());
    else if (k === '--no-train') a.train = false;
    else if (k === '--scaffold-only') a.scaffoldOnly = true;
    else throw new Error(`unknown argument ${k} (see the header of scripts/host/demo.ts)`);
  }
  return a;
}

const T0 = Date.now();
const log = (l: string) => console.log(`[demo ${((Date.now() - T0) / 1000).toFixed(1).padStart(5)}s] ${l}`);

interface LiveRun {
  dir: string;
  state?: string;
  step?: number;
  pid?: number;
}

function runs(workspace: string): LiveRun[] {
  const rd = join(workspace, '.gan', 'runs');
  if (!existsSync(rd)) return [];
  return readdirSync(rd).map((id) => {
    const dir = join(rd, id);
    const read = (f: string) => {
      try {
        return JSON.parse(readFileSync(join(dir, f), 'utf8')) as { state?: string; step?: number; pid?: number };
      } catch {
        return {};
      }
    };
    const status = read('status.json');
    return { dir, state: status.state, step: status.step, pid: read('lock.json').pid ?? status.pid };
  });
}

function stopTrainers(workspace: string): void {
  for (const r of runs(workspace)) {
    if (!r.pid || !['starting', 'running', 'paused'].includes(r.state ?? '')) continue;
    try {
      process.kill(r.pid, 'SIGTERM');
      log(`stopped trainer pid ${r.pid} (${r.dir})`);
    } catch {
      /* gone */
    }
  }
}

async function startTrainingHeadless(host: Host, workspace: string, configRel: string): Promise<void> {
  const browser = await launchBrowser();
  try {
    const page = await newPage(browser);
    await openWorkbench(page, host.folderUrl(workspace), log);
    await waitForExtension(page, log);
    // Open the config (Quick Open), then Start Training on it.
    await page.keyboard.press('Control+P');
    await pickQuickItem(page, configRel.split('/').pop()!, log);
    await poll(log, `${configRel} open in the editor`, 15_000, async () =>
      (await page.locator('.tabs-container .tab.active').getAttribute('aria-label'))?.includes('gan.config.json'),
    );
    const before = new Set(runs(workspace).map((r) => r.dir));
    await runCommand(page, 'GAN: Start Training', log);
    const run = await poll(log, 'the new run to be running (status.json)', 120_000, async () => {
      const r = runs(workspace).find((x) => !before.has(x.dir));
      if (r && ['failed', 'diverged', 'killed'].includes(r.state ?? '')) throw new Error(`run ${r.dir} ended as ${r.state}; see its trainer.log`);
      return r?.state === 'running' ? r : undefined;
    });
    log(`training: ${run.dir}`);
    // A screenshot worth looking at: wait for a few loss points and the first
    // 2-D snapshot (wgan-gp on CPU/wasm: about half a minute).
    const dash = webviewFrame(page);
    await poll(log, 'the dashboard to draw losses and a 2-D snapshot', 120_000, async () => {
      const points = Number((await dash.locator('#chart-losses').getAttribute('data-points')) ?? '0');
      const drawn = Number((await dash.locator('#scatter').getAttribute('data-drawn-points')) ?? '0');
      return points >= 3 && drawn > 0;
    }).then(
      () => log('dashboard is live'),
      (e: Error) => log(`(dashboard not confirmed: ${e.message})`),
    );
    mkdirSync(join(REPO_ROOT, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: join(REPO_ROOT, 'test-artifacts', 'demo.png') });
    log('screenshot of the headless window: test-artifacts/demo.png');
  } finally {
    // The run goes on without this window: the trainer outlives it by design,
    // and the window you open finds it through the run folder.
    await browser.close();
  }
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  mkdirSync(a.workspace, { recursive: true });
  const configRel = `${a.name}/gan.config.json`;
  if (existsSync(join(a.workspace, configRel))) {
    log(`experiment ${join(a.workspace, a.name)} exists; reusing it`);
  } else {
    const w = writeExperiment(
      a.workspace,
      { variant: a.variant as VariantId, dataset: a.dataset as ToyDataset, name: a.name, steps: a.steps },
      { templatesRoot: join(REPO_ROOT, 'templates'), extensionPath: REPO_ROOT },
    );
    log(`scaffolded ${a.name} (${a.variant}, ${a.dataset}, ${a.steps} steps): ${w.files.map((f) => f.slice(a.workspace.length + 1)).join(', ')}`);
  }

  if (a.scaffoldOnly) return;

  const host = await startHost({ port: a.port, log });
  let stopping = false;
  const shutdown = async (why: string) => {
    if (stopping) return;
    stopping = true;
    log(`${why}: stopping the demo run and code-server`);
    stopTrainers(a.workspace);
    await host.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('Ctrl-C'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  const url = host.folderUrl(a.workspace);
  console.log(`\n  GAN Workbench (${readExtensionId().id}) in VS Code 1.100.3 (code-server ${CODE_SERVER_VERSION})\n  Open:  ${url}\n`);
  if (a.train) {
    try {
      await startTrainingHeadless(host, a.workspace, configRel);
      console.log(`\n  A run of ${a.name} is training. Open the URL above: the GAN Runs view lists it,`);
      console.log(`  and "GAN: Open Dashboard" shows its live charts.\n  Open:  ${url}\n`);
    } catch (e) {
      console.error(`\n  Could not start training headlessly: ${(e as Error).message}\n  The workbench is still served; open ${configRel} and run "GAN: Start Training" yourself.\n`);
    }
  } else {
    console.log(`  --no-train: open ${configRel} and run "GAN: Start Training".\n`);
  }
  log(`serving until Ctrl-C (code-server log: ${host.logFile})`);
}

main().catch((e) => {
  console.error(`[demo] ${(e as Error).message}`);
  process.exit(1);
});
