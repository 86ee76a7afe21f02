/**
 * End-to-end test of GAN Workbench in a real VS Code host: code-server
 * (VS Code 1.100.3, scripts/install-host.sh) driven by Debian's Chromium via
 * playwright-core, as a person would use it. Then the mocha suite of
 * test/host/suite runs inside the same host's extension host.
 *
 *   npm run build && npx tsx --test test/host/ui.test.ts
 *
 * Needs: bash scripts/install-host.sh (code-server in .tools/, chromium).
 * A host that cannot start FAILS the test, it is never skipped.
 * Artifacts: test-artifacts/workbench.png, dashboard.png, after-reload.png, failure-*.png.
 * GAN_HOST_KEEP=1 keeps the temp workspaces and host logs for a look.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import {
  acceptInputBox,
  dialogs,
  editorTabs,
  launchBrowser,
  newPage,
  notifications,
  openWorkbench,
  pickQuickItem,
  poll,
  pollPage,
  runCommand,
  waitForExtension,
  waitFor,
  WaitAborted,
  webviewFrame,
} from '../../scripts/host/browser';
import { runExtensionTests } from '../../scripts/host/extensionTests';
import { REPO_ROOT, startHost, type Host } from '../../scripts/host/server';
import { pidAlive } from '../../src/runfolder/lock';

const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');
const KEEP = process.env.GAN_HOST_KEEP === '1';
const T0 = Date.now();
const log = (line: string) => process.stderr.write(`[host-test ${((Date.now() - T0) / 1000).toFixed(1).padStart(5)}s] ${line}\n`);

/** Steps of the UI test's run: far more than the test waits for, so it is live until Stop. */
const LONG_RUN_STEPS = 1_000_000;

const BUNDLES = ['dist/extension.js', 'dist/trainer.js', 'dist/webview/dashboard.js', 'out/test/host/suite/index.js'];

interface RunOnDisk {
  dir: string;
  state?: string;
  step?: number;
  metricLines: number;
}

function runsOnDisk(workspace: string): RunOnDisk[] {
  const rd = join(workspace, '.gan', 'runs');
  if (!existsSync(rd)) return [];
  return readdirSync(rd, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => {
      const dir = join(rd, e.name);
      let status: { state?: string; step?: number } = {};
      try {
        status = JSON.parse(readFileSync(join(dir, 'status.json'), 'utf8'));
      } catch {
        /* not yet */
      }
      let metricLines = 0;
      try {
        metricLines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').split('\n').filter((l) => l.trim()).length;
      } catch {
        /* not yet */
      }
      return { dir, state: status.state, step: status.step, metricLines };
    });
}

/**
 * A trainer is started so it outlives its window: never leave one running.
 * Only runs that still hold lock.json or say they are live (a pid in a
 * finished run's status.json may belong to someone else by now).
 */
function killLiveTrainers(workspace: string): void {
  const killed = new Set<number>();
  for (const r of runsOnDisk(workspace)) {
    const pids: unknown[] = [];
    try {
      pids.push((JSON.parse(readFileSync(join(r.dir, 'lock.json'), 'utf8')) as { pid?: number }).pid);
    } catch {
      /* no lock: the trainer released it */
    }
    if (['starting', 'running', 'paused'].includes(r.state ?? '')) {
      try {
        pids.push((JSON.parse(readFileSync(join(r.dir, 'status.json'), 'utf8')) as { pid?: number }).pid);
      } catch {
        /* none */
      }
    }
    for (const pid of pids) {
      if (typeof pid !== 'number' || pid <= 1 || killed.has(pid)) continue;
      killed.add(pid);
      try {
        process.kill(pid, 'SIGKILL');
        log(`killed leftover trainer pid ${pid} (${r.dir})`);
      } catch {
        /* already gone */
      }
    }
  }
}

describe('GAN Workbench in a real VS Code host (code-server + Chromium)', { timeout: 420_000 }, () => {
  let host: Host | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  let uiWorkspace = '';
  let suiteWorkspace = '';
  let broken = '';
  let configFile = '';

  /** Each step: fails (never skips) when an earlier one broke; screenshot on failure. */
  async function step(name: string, fn: () => Promise<void>): Promise<void> {
    if (broken) throw new Error(`not run: the earlier step "${broken}" failed`);
    log(`── ${name}`);
    try {
      await fn();
    } catch (e) {
      broken = name;
      const err = e as Error;
      let screen = '';
      if (page && !page.isClosed()) {
        const file = join(ARTIFACTS, `failure-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.png`);
        await page.screenshot({ path: file }).then(
          () => log(`screenshot of the failure: ${file}`),
          () => {},
        );
        const toasts = await notifications(page).catch(() => [] as string[]);
        const tabs = await editorTabs(page).catch(() => [] as string[]);
        const modal = await dialogs(page).catch(() => [] as string[]);
        screen = `\n  dialogs on screen: ${JSON.stringify(modal)}\n  notifications on screen: ${JSON.stringify(toasts)}\n  editor tabs: ${JSON.stringify(tabs)}`;
      }
      if (host) screen += `\n  code-server output (last lines):\n${host.recentOutput().split('\n').slice(-10).join('\n')}`;
      err.message = `${name}: ${err.message}${screen}`;
      throw err;
    }
  }

  before(() => {
    mkdirSync(ARTIFACTS, { recursive: true });
    // Old failure screenshots would pass for this run's.
    for (const f of readdirSync(ARTIFACTS)) if (/^failure-.*\.png$/.test(f)) rmSync(join(ARTIFACTS, f), { force: true });
    uiWorkspace = mkdtempSync(join(tmpdir(), 'gan-ui-ws-'));
    suiteWorkspace = mkdtempSync(join(tmpdir(), 'gan-suite-ws-'));
  });

  after(async () => {
    if (uiWorkspace) killLiveTrainers(uiWorkspace);
    if (suiteWorkspace) killLiveTrainers(suiteWorkspace);
    await browser?.close().catch(() => {});
    await host?.stop();
    // Keep what a failure left for a look; empty folders are never worth keeping.
    const keep = [uiWorkspace, suiteWorkspace].filter((w) => w && existsSync(w) && (KEEP || (broken && readdirSync(w).length > 0)));
    for (const w of [uiWorkspace, suiteWorkspace]) if (w && !keep.includes(w)) rmSync(w, { recursive: true, force: true });
    if (keep.length || KEEP) log(`kept: ${keep.join(' ')}${KEEP && host ? `; host temp: ${host.tempDir}` : ''}`);
    log(`total ${((Date.now() - T0) / 1000).toFixed(1)}s`);
  });

  // A test, not a hook: a host that cannot start is a counted failure with its reason.
  it('starts the VS Code host (code-server) and Chromium', async () => {
    await step('start host', async () => {
      const missing = BUNDLES.filter((b) => !existsSync(join(REPO_ROOT, b)));
      if (missing.length) throw new Error(`missing build outputs ${missing.join(', ')} — run \`npm run build\` first`);
      // Both at once: each takes a few seconds.
      const [h, b] = await Promise.allSettled([startHost({ log, keepTemp: KEEP }), launchBrowser()]);
      if (h.status === 'fulfilled') host = h.value;
      if (b.status === 'fulfilled') browser = b.value;
      if (h.status === 'rejected') throw new Error(`cannot start the VS Code host (code-server): ${(h.reason as Error).message}`);
      if (b.status === 'rejected') throw new Error(`cannot start Chromium: ${(b.reason as Error).message}`);
      page = await newPage(b.value);
    });
  });

  it('opens the workspace with GAN Workbench registered', async () => {
    await step('open workbench', async () => {
      assert.ok(host && page, 'host and browser are up');
      await openWorkbench(page, host.folderUrl(uiWorkspace), log);
      await waitForExtension(page, log);
      await page.screenshot({ path: join(ARTIFACTS, 'workbench.png') });
      log(`screenshot: ${join(ARTIFACTS, 'workbench.png')}`);
    });
  });

  it('GAN: New Experiment… through the pickers writes the experiment and opens its config', async () => {
    await step('new experiment', async () => {
      const p = page!;
      await runCommand(p, 'GAN: New Experiment…', log);
      await pickQuickItem(p, 'GAN (non-saturating)', log);
      await pickQuickItem(p, '8 Gaussians (ring)', log);
      const name = await acceptInputBox(p, log);
      assert.ok(name, 'the name input box offers a default name');
      configFile = join(uiWorkspace, name, 'gan.config.json');
      await pollPage(p, log, `${name}/gan.config.json on disk`, 15_000, async () => existsSync(configFile));
      const cfg = JSON.parse(readFileSync(configFile, 'utf8')) as { variant?: string; data?: { name?: string } };
      assert.equal(cfg.variant, 'gan-ns');
      assert.equal(cfg.data?.name, '8gaussians');
      await pollPage(p, log, 'the gan.config.json editor to be open', 15_000, async () =>
        (await p.locator('.tabs-container .tab.active').getAttribute('aria-label'))?.includes('gan.config.json'),
      );
      // The scaffold's 2000 steps can finish on a fast machine before the
      // reload and the stop below: make the run long enough that only Stop ends it.
      (cfg as { training: { steps: number } }).training.steps = LONG_RUN_STEPS;
      // Samples and metrics from G's moving average: the header must say so.
      (cfg as { training: { emaG?: number } }).training.emaG = 0.999;
      // Learning rates that decay over the second half: the header must say they are full until then.
      (cfg as { training: { lrDecayStart?: number } }).training.lrDecayStart = LONG_RUN_STEPS / 2;
      writeFileSync(configFile, JSON.stringify(cfg, null, 2) + '\n');
    });
  });

  let runDir = '';
  /** The trainer's pid, checked across the reload and gone after Stop. */
  let trainerPid: number | undefined;
  it('GAN: Start Training opens a live dashboard', async () => {
    await step('start training', async () => {
      const p = page!;
      const before = new Set(runsOnDisk(uiWorkspace).map((r) => r.dir));
      await runCommand(p, 'GAN: Start Training', log);
      const run = await pollPage(p, log, 'a run folder in .gan/runs', 30_000, async () => runsOnDisk(uiWorkspace).find((r) => !before.has(r.dir)));
      runDir = run.dir;
      log(`run folder: ${runDir}`);
      await pollPage(p, log, 'the dashboard webview (iframe.webview.ready)', 30_000, async () => (await p.locator('iframe.webview.ready').count()) > 0);
      const dash = webviewFrame(p);
      await pollPage(p, log, 'dashboard body[data-ready="true"]', 30_000, async () => (await dash.locator('body[data-ready="true"]').count()) > 0);
      await pollPage(p, log, '#run-state to read "running"', 90_000, async () => {
        const r = runsOnDisk(uiWorkspace).find((x) => x.dir === runDir);
        if (r && ['failed', 'diverged', 'killed', 'completed', 'stopped'].includes(r.state ?? '')) {
          let tail = '';
          try {
            tail = readFileSync(join(runDir, 'trainer.log'), 'utf8').slice(-1500);
          } catch {
            /* none */
          }
          throw new WaitAborted(`run ended as '${r.state}' before the dashboard showed it running; trainer.log:\n${tail}`);
        }
        return (await dash.locator('#run-state').innerText()).trim() === 'running';
      });
      const points = async () => Number((await dash.locator('#chart-losses').getAttribute('data-points')) ?? '0');
      const first = await pollPage(p, log, '#chart-losses data-points > 0', 60_000, async () => {
        const n = await points();
        return n > 0 ? n : undefined;
      });
      const grown = await pollPage(p, log, `#chart-losses data-points to grow past ${first}`, 45_000, async () => {
        const n = await points();
        return n > first ? n : undefined;
      });
      log(`loss chart: ${first} → ${grown} points`);
      const drawn = await pollPage(p, log, '#scatter data-drawn-points > 0', 60_000, async () => {
        const n = Number((await dash.locator('#scatter').getAttribute('data-drawn-points')) ?? '0');
        return n > 0 ? n : undefined;
      });
      log(`scatter: ${drawn} points drawn`);
      const average = (await dash.locator('#run-average').innerText()).trim();
      assert.equal(average, "G's moving average (β 0.999)", 'the header names the moving average the samples come from');
      const rates = (await dash.locator('#run-rates').innerText()).trim();
      assert.equal(rates, 'full until step 500,000, then linear decay to 0', 'the header says when the learning rates start to fall');
      await p.screenshot({ path: join(ARTIFACTS, 'dashboard.png') });
      log(`screenshot: ${join(ARTIFACTS, 'dashboard.png')}`);
    });
  });

  it('a window reload mid-run: the trainer keeps running, the dashboard reattaches, keeps updating, pause and resume work', async () => {
    await step('reload window', async () => {
      const p = page!;
      const lockPid = () => {
        try {
          return (JSON.parse(readFileSync(join(runDir, 'lock.json'), 'utf8')) as { pid?: number }).pid;
        } catch {
          return undefined;
        }
      };
      const pid = lockPid();
      assert.ok(typeof pid === 'number' && pidAlive(pid), `the run holds lock.json with a live trainer pid before the reload (lock pid: ${pid})`);
      const runsBefore = runsOnDisk(uiWorkspace).map((r) => r.dir).sort();
      const pointsBefore = Number((await webviewFrame(p).locator('#chart-losses').getAttribute('data-points')) ?? '0');
      log(`before the reload: trainer pid ${pid}, loss chart ${pointsBefore} points`);

      // The page itself reloads: wait for its new document, not for the old one's elements.
      const reloaded = p.waitForEvent('load', { timeout: 60_000 });
      await runCommand(p, 'Developer: Reload Window', log);
      await waitFor(log, 'the page to reload', 60_000, () => reloaded);
      await waitFor(log, 'the workbench (.monaco-workbench) after the reload', 60_000, () =>
        p.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 }),
      );
      await waitForExtension(p, log, 90_000);

      // The dashboard comes back by itself (the panel serializer), rebuilt from the run folder.
      const dash = webviewFrame(p);
      await pollPage(p, log, 'the restored dashboard webview (iframe.webview.ready)', 90_000, async () => (await p.locator('iframe.webview.ready').count()) > 0);
      await pollPage(p, log, 'restored dashboard body[data-ready="true"]', 60_000, async () => (await dash.locator('body[data-ready="true"]').count()) > 0);
      const title = (await dash.locator('#run-title').innerText()).trim();
      const points = async () => Number((await dash.locator('#chart-losses').getAttribute('data-points')) ?? '0');
      const rebuilt = await pollPage(p, log, `#chart-losses data-points ≥ ${pointsBefore} (history rebuilt from the folder)`, 30_000, async () => {
        const n = await points();
        return n >= pointsBefore && n > 0 ? n : undefined;
      });
      await pollPage(p, log, '#run-state to read "running" after the reload', 30_000, async () => (await dash.locator('#run-state').innerText()).trim() === 'running');
      // Controls reach the trainer through the new window's connection.
      await dash.locator('#btn-pause').click({ timeout: 10_000 });
      await pollPage(p, log, '#run-state to read "paused" after Pause', 30_000, async () => (await dash.locator('#run-state').innerText()).trim() === 'paused');
      await dash.locator('#btn-resume').click({ timeout: 10_000 });
      await pollPage(p, log, '#run-state to read "running" after Resume', 30_000, async () => (await dash.locator('#run-state').innerText()).trim() === 'running');
      // Metrics reach a dashboard only through the trainer's socket: growth means the new window reattached.
      const grown = await pollPage(p, log, `#chart-losses data-points to grow past ${rebuilt} (live points after reattaching)`, 60_000, async () => {
        const n = await points();
        return n > rebuilt ? n : undefined;
      });
      log(`after the reload: dashboard "${title}", loss chart ${rebuilt} → ${grown} points`);

      assert.equal(lockPid(), pid, 'the same trainer still holds the run folder after the reload');
      assert.ok(pidAlive(pid), `trainer pid ${pid} is alive after the reload`);
      assert.deepEqual(runsOnDisk(uiWorkspace).map((r) => r.dir).sort(), runsBefore, 'the reload started no other run');
      assert.equal(runsOnDisk(uiWorkspace).find((r) => r.dir === runDir)?.state, 'running', 'status.json still says running');
      await p.screenshot({ path: join(ARTIFACTS, 'after-reload.png') });
      log(`screenshot: ${join(ARTIFACTS, 'after-reload.png')}`);
      trainerPid = pid;
    });
  });

  it('Stop in the dashboard stops the run, on screen and on disk', async () => {
    await step('stop training', async () => {
      const p = page!;
      const dash = webviewFrame(p);
      await dash.locator('#btn-stop').click({ timeout: 10_000 });
      await pollPage(p, log, '#run-state to read "stopped"', 30_000, async () => (await dash.locator('#run-state').innerText()).trim() === 'stopped');
      const r = await pollPage(p, log, `${runDir}/status.json state "stopped"`, 15_000, async () => {
        const x = runsOnDisk(uiWorkspace).find((y) => y.dir === runDir);
        return x?.state === 'stopped' ? x : undefined;
      });
      assert.ok(r.metricLines > 0, 'metrics.jsonl has records');
      if (trainerPid !== undefined) {
        const pid = trainerPid;
        await poll(log, `trainer pid ${pid} to exit after Stop`, 30_000, async () => !pidAlive(pid));
      }
      assert.ok(existsSync(join(runDir, 'config.json')), 'the run folder has its resolved config.json');
      log(`run stopped at step ${r.step} with ${r.metricLines} metric records`);
    });
  });

  /**
   * An experiment `<name>` with the template's model.ts and `cfg`, trained to
   * the end through the trainer CLI into .gan/runs/<name>-run, then opened
   * with GAN: Open Run… Returns the run folder.
   */
  async function trainAndOpenRun(p: Page, template: 'toy' | 'image', cfg: { name: string }): Promise<string> {
    const exp = join(uiWorkspace, cfg.name);
    mkdirSync(exp, { recursive: true });
    writeFileSync(join(exp, 'model.ts'), readFileSync(join(REPO_ROOT, 'templates', template, 'model.ts'), 'utf8'));
    writeFileSync(join(exp, 'gan.config.json'), JSON.stringify(cfg, null, 2));
    const runDir = join(uiWorkspace, '.gan', 'runs', `${cfg.name}-run`);
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'dist', 'trainer.js'), 'train', '--config', join(exp, 'gan.config.json'), '--run-dir', runDir, '--backend', 'wasm', '--quiet'], { encoding: 'utf8', timeout: 240_000 });
    assert.equal(r.status, 0, `${cfg.name} trained: ${r.stderr}`);
    await runCommand(p, 'View: Close All Editors', log);
    await runCommand(p, 'GAN: Refresh Runs', log);
    await runCommand(p, 'GAN: Open Run…', log);
    await pickQuickItem(p, `${cfg.name}-run`, log);
    await pollPage(p, log, 'the dashboard webview (iframe.webview.ready)', 30_000, async () => (await p.locator('iframe.webview.ready').count()) > 0);
    return runDir;
  }

  it('the doctor: a broken run shows its finding in the Diagnosis panel; Apply fix starts the fixed run, compared with the broken one', async () => {
    await step('doctor apply fix', async () => {
      const p = page!;
      // A run whose failure is known (learning rate 0.1: steps as large as the weights), trained through the CLI.
      const cfg = { name: 'broken-lr', variant: 'gan-ns', data: { name: '8gaussians' }, training: { steps: 200, lrD: 0.1, lrG: 0.1, batchSize: 64, seed: 1 }, logging: { metricsEvery: 10 } };
      const brokenDir = await trainAndOpenRun(p, 'toy', cfg);
      const dash = webviewFrame(p);
      const finding = dash.locator('#diagnosis article[data-detector="divergence"]');
      await pollPage(p, log, 'the Diagnosis panel to show the divergence finding', 60_000, async () => (await finding.count()) > 0);
      const text = await finding.innerText();
      assert.match(text, /Divergence/);
      assert.match(text, /of their norm/, 'the evidence names what was seen');
      await finding.hover();
      await pollPage(p, log, 'the evidence range highlighted on the gradients chart', 10_000, async () => !!(await dash.locator('#chart-gradients').getAttribute('data-highlight')));
      // The 2-D view's mode count is coloured by coverage: green only when all 8 are covered.
      const modes = dash.locator('#modes');
      const covered = await pollPage(p, log, 'the 2-D view to show modes covered', 30_000, async () => /modes covered (\d+)\/8/.exec(await modes.innerText())?.[1]);
      assert.equal(await modes.getAttribute('data-coverage'), covered === '0' ? 'none' : covered === '8' ? 'all' : 'some', `modes covered ${covered}/8`);
      await p.screenshot({ path: join(ARTIFACTS, 'diagnosis.png') });
      log(`screenshot: ${join(ARTIFACTS, 'diagnosis.png')}`);
      const before = new Set(runsOnDisk(uiWorkspace).map((x) => x.dir));
      await finding.locator('button.apply-fix').first().click({ timeout: 10_000 });
      const fixed = await pollPage(p, log, 'the fixed run folder with its config.json', 60_000, async () =>
        runsOnDisk(uiWorkspace).find((x) => !before.has(x.dir) && existsSync(join(x.dir, 'config.json'))),
      );
      log(`fixed run: ${fixed.dir}`);
      const fixedCfg = JSON.parse(readFileSync(join(fixed.dir, 'config.json'), 'utf8')) as { training: { lrD: number; lrG: number } };
      // The first fix divides both learning rates by at least 10 (sized from the measured step).
      const { lrD, lrG } = fixedCfg.training;
      assert.ok(lrD === lrG && lrD <= 0.01 + 1e-12 && lrD >= 1e-4, `the fix lowered the learning rates: ${JSON.stringify(fixedCfg.training)}`);
      const cmp = webviewFrame(p);
      await pollPage(p, log, '#compare to name the broken run', 60_000, async () => (await cmp.locator('#compare').getAttribute('data-runs')) === 'broken-lr-run');
      await pollPage(p, log, 'the fixed run\'s own points and the broken run\'s dashed lines on the loss chart', 60_000, async () => {
        const own = Number((await cmp.locator('#chart-losses').getAttribute('data-points')) ?? '0');
        const other = Number((await cmp.locator('#chart-losses').getAttribute('data-compare-lines')) ?? '0');
        return own > 0 && other > 0;
      });
      await p.screenshot({ path: join(ARTIFACTS, 'doctor-compare.png') });
      log(`screenshot: ${join(ARTIFACTS, 'doctor-compare.png')}`);
      const origin = JSON.parse(readFileSync(join(fixed.dir, 'origin.json'), 'utf8')) as { fromRun: string; detector: string };
      assert.deepEqual([origin.fromRun, origin.detector], [brokenDir, 'divergence'], 'the fixed run records where it came from');
      await pollPage(p, log, 'the fixed run to end', 120_000, async () => ['completed', 'stopped'].includes(runsOnDisk(uiWorkspace).find((x) => x.dir === fixed.dir)?.state ?? ''));
    });
  });

  it('an image run: the sample grid, the real grid, and the history slider that fetches an older snapshot through the host', async () => {
    await step('image dashboard', async () => {
      const p = page!;
      // A small DCGAN on MNIST trained through the CLI: snapshots at steps 20 and 40.
      const cfg = {
        name: 'mnist-dcgan',
        variant: 'gan-ns',
        model: { latentDim: 16, hidden: 8, depth: 2 },
        data: { kind: 'mnist' },
        training: { steps: 40, batchSize: 16, seed: 1 },
        logging: { metricsEvery: 10, samplesEvery: 20, evalSamples: 256, imageMetricsEvery: 40 },
      };
      await trainAndOpenRun(p, 'image', cfg);
      const dash = webviewFrame(p);
      await pollPage(p, log, 'canvas#grid-fake of step 40', 60_000, async () => (await dash.locator('canvas#grid-fake').getAttribute('data-step')) === '40');
      assert.equal(await dash.locator('canvas#grid-fake').getAttribute('data-rows'), '8');
      assert.equal(await dash.locator('canvas#grid-real').count(), 1, 'real images beside the generated ones');
      await pollPage(p, log, '#chart-images to have points (FD, MS-SWD)', 30_000, async () => Number((await dash.locator('#chart-images').getAttribute('data-points')) ?? '0') > 0);
      await p.screenshot({ path: join(ARTIFACTS, 'dashboard-images.png') });
      log(`screenshot: ${join(ARTIFACTS, 'dashboard-images.png')}`);
      // The slider's first stop is step 20: the page asks the host, which reads samples/step-00000020.json.
      const slider = dash.locator('input#history-slider');
      await slider.focus();
      await slider.press('Home');
      await pollPage(p, log, 'canvas#grid-fake to show step 20 from the run folder', 30_000, async () => (await dash.locator('canvas#grid-fake').getAttribute('data-step')) === '20');
      await p.screenshot({ path: join(ARTIFACTS, 'dashboard-images-history.png') });
      log(`screenshot: ${join(ARTIFACTS, 'dashboard-images-history.png')}`);
    });
  });

  it('the mocha suite inside the extension host passes (exit code 0)', async () => {
    // Runs in its own page and workspace: independent of the UI steps above,
    // but not of the host.
    if (broken !== 'start host') broken = '';
    await step('in-host mocha suite', async () => {
      assert.ok(host && browser, 'host and browser are up');
      // Same browser context as the UI steps: the workbench loads from cache.
      const context = page?.context();
      if (page && !page.isClosed()) await page.close();
      page = undefined;
      const r = await runExtensionTests({
        host,
        browser,
        context,
        workspace: suiteWorkspace,
        log,
        timeoutMs: 150_000,
        screenshotOnFailure: join(ARTIFACTS, 'failure-in-host-mocha-suite.png'),
      });
      assert.equal(r.code, 0, `the in-host mocha suite failed (exit code ${r.code}):\n${r.output.slice(-40).join('\n')}`);
    });
  });

  it('in an untrusted workspace: Start Training refuses and says why, a finished run still opens (second host, trust on)', async () => {
    if (broken !== 'start host') broken = '';
    await step('untrusted workspace', async () => {
      assert.ok(browser, 'the browser is up');
      // A second code-server with workspace trust enabled: the fresh folder opens untrusted.
      const trustHost = await startHost({ log, keepTemp: KEEP, workspaceTrust: true });
      const workspace = mkdtempSync(join(tmpdir(), 'gan-untrusted-ws-'));
      try {
        const r = await runExtensionTests({
          host: trustHost,
          browser,
          workspace,
          log,
          timeoutMs: 120_000,
          screenshotOnFailure: join(ARTIFACTS, 'failure-untrusted-workspace.png'),
        });
        assert.equal(r.code, 0, `the untrusted-workspace suite failed (exit code ${r.code}):\n${r.output.slice(-40).join('\n')}`);
        assert.ok(
          r.output.some((l) => l.includes('GAN Workbench in an untrusted workspace')),
          `the host ran the untrusted-workspace suite (is the workspace really untrusted?):\n${r.output.slice(-20).join('\n')}`,
        );
        assert.deepEqual(
          runsOnDisk(workspace).map((x) => x.dir.split('/').pop()),
          ['done-run'],
          'no trainer started',
        );
      } finally {
        killLiveTrainers(workspace);
        await trustHost.stop();
        if (!KEEP) rmSync(workspace, { recursive: true, force: true });
      }
    });
  });
});
