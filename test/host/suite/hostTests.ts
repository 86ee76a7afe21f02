/**
 * Tests that run INSIDE a real VS Code extension host (code-server's Node
 * extension host, where child_process works), against the commands the
 * extension contributes. Loaded by ./index.ts after mocha's TDD globals exist;
 * started by test/host/ui.test.ts through the URL payload
 * (extensionDevelopmentPath + extensionTestsPath).
 *
 * The workspace folder is a fresh empty temp folder made by the runner.
 * Not named *.test.ts on purpose: it imports 'vscode', so a plain-Node test
 * glob must never pick it up.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

const EXTENSION_ID = 'gan-workbench.gan-workbench';

interface RunInfo {
  dir: string;
  state?: string;
  step?: number;
  metricLines: number;
}

/**
 * The object `activate` returns (src/extension/extension.ts GanWorkbenchApi);
 * declared here, not imported, so this suite checks the real shape at run time.
 */
interface GanWorkbenchApi {
  runs(): Array<{ dir: string; live: boolean; connected: boolean }>;
  refresh(): void;
  dashboards(): string[];
  statusBarTexts(): string[];
  dashboardInit(dir: string): { state: string; warnings: string[]; records: number } | undefined;
  recentLog(): string[];
}

function apiOf(ext: vscode.Extension<unknown> | undefined): GanWorkbenchApi {
  const api = ext?.exports as Partial<GanWorkbenchApi> | undefined;
  assert.ok(api, 'activate() returned nothing (expected the GanWorkbenchApi)');
  for (const k of ['runs', 'refresh', 'dashboards', 'statusBarTexts', 'recentLog'] as const) assert.equal(typeof api[k], 'function', `activate() result has no ${k}()`);
  return api as GanWorkbenchApi;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function workspaceRoot(): string {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'the host test opens a workspace folder');
  return f.uri.fsPath;
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Run folders under `<root>/.gan/runs` (and, in case runs live per experiment, `<root>/*\/.gan/runs`). */
function listRuns(root: string): RunInfo[] {
  const runsDirs = [path.join(root, '.gan', 'runs')];
  for (const e of fs.existsSync(root) ? fs.readdirSync(root, { withFileTypes: true }) : []) {
    if (e.isDirectory() && !e.name.startsWith('.')) runsDirs.push(path.join(root, e.name, '.gan', 'runs'));
  }
  const runs: RunInfo[] = [];
  for (const rd of runsDirs) {
    if (!fs.existsSync(rd)) continue;
    for (const e of fs.readdirSync(rd, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      const dir = path.join(rd, e.name);
      const status = readJson(path.join(dir, 'status.json')) as { state?: string; step?: number } | undefined;
      let metricLines = 0;
      try {
        metricLines = fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').split('\n').filter((l) => l.trim()).length;
      } catch {
        /* not yet */
      }
      runs.push({ dir, state: status?.state, step: status?.step, metricLines });
    }
  }
  return runs;
}

async function until<T>(what: string, timeoutMs: number, probe: () => T | undefined | false | Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  console.log(`  … waiting (≤${timeoutMs / 1000}s) for ${what}`);
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    await sleep(300);
  }
}

/**
 * Wait for a dashboard's webview to load and get its init. The panel reloads
 * a page that has not said ready within 15 s (dashboardPanel.ts), so 60 s
 * allows the first load and two reloads on a loaded machine; on a timeout the
 * extension's own log says how far the page got.
 */
async function dashboardInitOf(api: GanWorkbenchApi, dir: string) {
  try {
    return await until('the dashboard webview to load and get its init', 60_000, () => api.dashboardInit(dir));
  } catch (e) {
    throw new Error(`${(e as Error).message}\nthe extension's last log lines:\n  ${api.recentLog().slice(-40).join('\n  ')}`);
  }
}

/** Safety net: a trainer is started so it outlives its window; never leave one behind. */
function killLiveTrainers(root: string): void {
  for (const r of listRuns(root)) {
    const lock = readJson(path.join(r.dir, 'lock.json')) as { pid?: number } | undefined;
    const status = readJson(path.join(r.dir, 'status.json')) as { pid?: number } | undefined;
    for (const pid of new Set([lock?.pid, status?.pid])) {
      if (r.state && !['starting', 'running', 'paused'].includes(r.state) && !lock) continue;
      if (typeof pid === 'number' && pid > 1 && pid !== process.pid) {
        try {
          process.kill(pid, 'SIGKILL');
          console.log(`  (killed leftover trainer pid ${pid} of ${r.dir})`);
        } catch {
          /* already gone */
        }
      }
    }
  }
}

export const UNTRUSTED_SUITE = 'GAN Workbench in an untrusted workspace';

/**
 * The suite for a host started with workspace trust on (the workspace opens
 * untrusted): nothing that compiles or runs workspace code starts, and it
 * says why; a finished run's dashboard still opens.
 */
function defineUntrustedTests(): void {
  suite(UNTRUSTED_SUITE, function () {
    test('Start Training refuses with the reason, and no trainer starts; a finished run still opens', async function () {
      this.timeout(120_000);
      assert.equal(vscode.workspace.isTrusted, false, 'the workspace is untrusted');
      const ext = vscode.extensions.getExtension(EXTENSION_ID);
      assert.ok(ext, `${EXTENSION_ID} is not among the host's extensions`);
      await ext.activate();
      const api = apiOf(ext);
      const root = workspaceRoot();
      // An experiment (as a cloned repository would hold one) and a finished run.
      const exp = path.join(root, 'exp');
      fs.mkdirSync(exp, { recursive: true });
      const config = { name: 'exp', variant: 'gan-ns', data: { name: '8gaussians' }, training: { steps: 50 } };
      fs.writeFileSync(path.join(exp, 'gan.config.json'), JSON.stringify(config));
      fs.writeFileSync(path.join(exp, 'model.ts'), 'throw new Error("model code must not run in an untrusted workspace");\n');
      const done = path.join(root, '.gan', 'runs', 'done-run');
      fs.mkdirSync(done, { recursive: true });
      const now = new Date().toISOString();
      fs.writeFileSync(path.join(done, 'config.json'), JSON.stringify(config));
      fs.writeFileSync(path.join(done, 'status.json'), JSON.stringify({ state: 'completed', step: 50, totalSteps: 50, startedAt: now, updatedAt: now }));
      fs.writeFileSync(path.join(done, 'metrics.jsonl'), [10, 20, 30].map((step) => JSON.stringify({ step, time: step / 10, lossD: 1, lossG: 0.7 })).join('\n') + '\n');

      // The refusal goes through window.showWarningMessage: record it (the
      // extension and its tests share one API object).
      const shown: string[] = [];
      const win = vscode.window as unknown as { showWarningMessage: (...a: unknown[]) => Thenable<unknown> };
      const original = win.showWarningMessage;
      win.showWarningMessage = (...a: unknown[]) => {
        shown.push(String(a[0]));
        return Promise.resolve(undefined);
      };
      let result: unknown;
      try {
        result = await vscode.commands.executeCommand('ganWorkbench.startTraining', vscode.Uri.file(path.join(exp, 'gan.config.json')));
      } finally {
        win.showWarningMessage = original;
      }
      console.log(`  startTraining returned ${JSON.stringify(result)}; warnings: ${JSON.stringify(shown)}`);
      assert.equal(result, undefined);
      assert.equal(shown.length, 1, 'one warning');
      assert.match(shown[0], /untrusted workspace: it would compile and run the model code/);
      assert.match(shown[0], /Trust this workspace/);
      await sleep(1500);
      assert.deepEqual(
        listRuns(root).map((r) => path.basename(r.dir)),
        ['done-run'],
        'no trainer started: no new run folder',
      );

      await vscode.commands.executeCommand('ganWorkbench.openRun', vscode.Uri.file(done));
      await until('the finished run\'s dashboard to be open', 15_000, () => api.dashboards().includes(done));
      const init = await dashboardInitOf(api, done);
      assert.equal(init.state, 'completed');
      assert.equal(init.records, 3);
      assert.deepEqual(init.warnings, []);
    });
  });
}

export function defineTests(): void {
  if (!vscode.workspace.isTrusted) {
    defineUntrustedTests();
    return;
  }
  suite('GAN Workbench in a real VS Code host', function () {
    let ext: vscode.Extension<unknown> | undefined;
    let configPath = '';

    suiteTeardown(function () {
      killLiveTrainers(workspaceRoot());
    });

    test('the extension is present and activates', async function () {
      ext = vscode.extensions.getExtension(EXTENSION_ID);
      assert.ok(ext, `${EXTENSION_ID} is not among the host's extensions`);
      await ext.activate();
      assert.equal(ext.isActive, true, 'extension did not become active');
      console.log(`  activated ${EXTENSION_ID} from ${ext.extensionUri.fsPath}; exports: ${Object.keys((ext.exports as object) ?? {}).join(', ') || '(none)'}`);
      apiOf(ext);
    });

    test('every command in package.json contributes.commands is registered', async function () {
      assert.ok(ext, 'needs the extension');
      const contributed = ((ext.packageJSON as { contributes?: { commands?: { command: string }[] } }).contributes?.commands ?? []).map((c) => c.command);
      assert.ok(contributed.length > 0, 'package.json contributes no commands');
      const registered = new Set(await vscode.commands.getCommands(true));
      const missing = contributed.filter((c) => !registered.has(c));
      assert.deepEqual(missing, [], `contributed but not registered: ${missing.join(', ')}`);
    });

    test('the gan.config.json validation schema exists and is a JSON schema', function () {
      assert.ok(ext, 'needs the extension');
      const jv = (ext.packageJSON as { contributes?: { jsonValidation?: { fileMatch: string; url: string }[] } }).contributes?.jsonValidation ?? [];
      const entry = jv.find((j) => j.fileMatch === 'gan.config.json');
      assert.ok(entry, 'no jsonValidation entry for gan.config.json');
      const file = path.join(ext.extensionUri.fsPath, entry.url);
      assert.ok(fs.existsSync(file), `schema file missing: ${file}`);
      const schema = readJson(file) as { properties?: Record<string, unknown> } | undefined;
      assert.ok(schema?.properties, `${file} is not a JSON schema with properties`);
      for (const k of ['name', 'variant', 'data', 'training']) assert.ok(k in schema.properties, `schema has no property '${k}'`);
    });

    test('ganWorkbench.newExperiment writes a filled-in experiment', async function () {
      const root = workspaceRoot();
      const result = (await vscode.commands.executeCommand('ganWorkbench.newExperiment', {
        variant: 'gan-ns',
        dataset: '8gaussians',
        name: 'host-test',
      })) as { folder?: string; config?: string; files?: string[] } | undefined;
      const folder = result?.folder ?? path.join(root, 'host-test');
      configPath = result?.config ?? path.join(folder, 'gan.config.json');
      assert.ok(fs.existsSync(configPath), `no ${configPath} after the command (returned ${JSON.stringify(result)})`);
      for (const f of ['gan.config.json', 'model.ts']) assert.ok(fs.existsSync(path.join(folder, f)), `${f} not written in ${folder}`);
      for (const f of fs.readdirSync(folder)) {
        const text = fs.readFileSync(path.join(folder, f), 'utf8');
        assert.ok(!/\{\{\w+\}\}/.test(text), `${f} still has a {{placeholder}}`);
      }
      const cfg = readJson(configPath) as { name?: string; variant?: string; data?: { name?: string } } | undefined;
      assert.equal(cfg?.name, 'host-test');
      assert.equal(cfg?.variant, 'gan-ns');
      assert.equal(cfg?.data?.name, '8gaussians');
    });

    test('ganWorkbench.startTraining runs the config; stopTraining stops it', async function () {
      this.timeout(150_000);
      assert.ok(configPath && fs.existsSync(configPath), 'needs the experiment of the previous test');
      const root = workspaceRoot();
      const before = new Set(listRuns(root).map((r) => r.dir));
      await vscode.commands.executeCommand('ganWorkbench.startTraining', vscode.Uri.file(configPath));
      const run = await until('a new run folder in .gan/runs', 30_000, () => listRuns(root).find((r) => !before.has(r.dir)));
      console.log(`  run folder: ${run.dir}`);
      const running = await until(`${path.basename(run.dir)}/status.json state "running" and metrics.jsonl lines`, 90_000, () => {
        const r = listRuns(root).find((x) => x.dir === run.dir);
        if (r && ['failed', 'diverged', 'killed', 'completed', 'stopped'].includes(r.state ?? '')) {
          let log = '';
          try {
            log = fs.readFileSync(path.join(run.dir, 'trainer.log'), 'utf8').slice(-1500);
          } catch {
            /* none */
          }
          throw new Error(`run ended as '${r.state}' before it was seen running:\n${log}`);
        }
        return r && r.state === 'running' && r.metricLines > 0 ? r : undefined;
      });
      console.log(`  running: step ${running.step}, ${running.metricLines} metric lines`);
      const grown = await until('metrics.jsonl to grow', 30_000, () => {
        const r = listRuns(root).find((x) => x.dir === run.dir);
        return r && r.metricLines > running.metricLines ? r : undefined;
      });
      console.log(`  grew to ${grown.metricLines} metric lines`);
      const api = apiOf(ext);
      api.refresh();
      const live = await until('the API to list the run as live and connected', 15_000, () => api.runs().find((r) => r.dir === run.dir && r.live && r.connected));
      assert.ok(live);
      await until('the run\'s dashboard to be open', 15_000, () => api.dashboards().includes(run.dir));
      assert.ok(api.statusBarTexts().length > 0, 'no status bar item for the live run');

      await vscode.commands.executeCommand('ganWorkbench.stopTraining', vscode.Uri.file(run.dir));
      const stopped = await until(`${path.basename(run.dir)}/status.json state "stopped"`, 30_000, () => {
        const r = listRuns(root).find((x) => x.dir === run.dir);
        return r?.state === 'stopped' ? r : undefined;
      });
      console.log(`  stopped at step ${stopped.step}`);
      await until('the API to list the run as no longer live', 15_000, () => api.runs().find((r) => r.dir === run.dir && !r.live));
    });

    test('a run folder with garbage files opens with warnings, not a blank panel', async function () {
      this.timeout(120_000);
      const api = apiOf(ext);
      const dir = path.join(workspaceRoot(), '.gan', 'runs', 'garbage-run');
      fs.mkdirSync(path.join(dir, 'samples'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'config.json'), '{"name": "garbage-run", "variant": ');
      fs.writeFileSync(path.join(dir, 'status.json'), '{"state": "exploded", "step": -3}');
      fs.writeFileSync(path.join(dir, 'metrics.jsonl'), 'garbage\n{"step":1,"time":0.1,"lossD":0.5}\n{"step":"two"}\n{"step":3,"ti');
      fs.writeFileSync(path.join(dir, 'samples', 'step-00000001.json'), '\u0000\u0001 not a snapshot');
      fs.writeFileSync(path.join(dir, 'lock.json'), 'not a lock');
      const opened = await vscode.commands.executeCommand('ganWorkbench.openRun', vscode.Uri.file(dir));
      console.log(`  openRun returned ${JSON.stringify(opened)}`);
      await until('the dashboard of the garbage run to be open', 15_000, () => api.dashboards().includes(dir));
      const run = await until('the run to be listed', 15_000, () => api.runs().find((r) => r.dir === dir));
      assert.equal((run as { status?: { state?: string } }).status?.state, 'failed', 'a folder without a readable status reads as failed');
      assert.equal(run.live, false);
      const init = await dashboardInitOf(api, dir);
      console.log(`  init: state ${init.state}, ${init.records} record(s), warnings:\n    ${init.warnings.join('\n    ')}`);
      assert.equal(init.state, 'failed');
      assert.equal(init.records, 1, 'the one valid metrics line is drawn');
      const all = init.warnings.join('\n');
      for (const re of [/config\.json is unreadable/, /status\.json is not a run status/, /line 1 is not valid JSON/, /line 3 is not a metrics record/, /last line is incomplete/, /snapshot of step 1 is unreadable/]) {
        assert.match(all, re);
      }
    });
  });
}
