/**
 * The doctor in the extension, without vscode: per-run doctors fed by live
 * events and primed from the folder, the finding views the webview gets,
 * the fixed experiment Apply fix writes, and the dashboard's view state for
 * findings and compared runs.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { fixedName, workspaceOf, writeFixedExperiment } from '../../src/extension/doctor/applyFix';
import { findingViews, RunDoctors, type DoctorChange } from '../../src/extension/doctor/runDoctors';
import { resolveConfig } from '../../src/protocol/config';
import { HostToWebviewSchema, WebviewToHostSchema } from '../../src/protocol/messages';
import type { MetricRecord } from '../../src/protocol/metrics';
import { apply, chartSeries, initialState } from '../../webview-ui/src/state';

const rec = (i: number, over: Partial<Record<string, number | null>> = {}): MetricRecord =>
  ({ step: 10 * (i + 1), time: i, lossD: 1.3, lossG: 0.8, gradNormD: 1.5, gradNormG: 3, dReal: 0.55, dFake: 0.45, swd: 0.3, modesCovered: 7, ...over }) as MetricRecord;

/** <ws>/.gan/runs/<id> with config.json, model.ts, status.json and `n` metric records. */
function runFolder(n: number, over: (i: number) => Partial<Record<string, number | null>> = () => ({})): { ws: string; dir: string } {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'ganwb-doctor-ws-'));
  const dir = path.join(ws, '.gan', 'runs', 'r1');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(resolveConfig({ name: 'ring', variant: 'gan-ns', data: { name: '8gaussians' }, training: { steps: 2000 } })));
  fs.writeFileSync(path.join(dir, 'model.ts'), '// the model\n');
  const now = new Date().toISOString();
  fs.writeFileSync(path.join(dir, 'status.json'), JSON.stringify({ state: 'running', step: 10 * n, totalSteps: 2000, startedAt: now, updatedAt: now }));
  fs.writeFileSync(path.join(dir, 'metrics.jsonl'), Array.from({ length: n }, (_, i) => JSON.stringify(rec(i, over(i)))).join('\n') + '\n');
  return { ws, dir };
}

test('run doctors: primed from the folder, then fed live; a new serious finding is announced once', () => {
  const { dir } = runFolder(40);
  const doctors = new RunDoctors();
  const changes: DoctorChange[] = [];
  doctors.onChange((c) => changes.push(c));
  assert.deepEqual(doctors.findings(dir), []);
  for (let i = 40; i < 70; i++) doctors.event({ kind: 'metrics', dir, records: [rec(i, { modesCovered: 1 })] });
  const announced = changes.flatMap((c) => c.announce.map((f) => f.detector));
  assert.deepEqual(announced, ['mode-collapse']);
  assert.equal(doctors.findings(dir)[0].detector, 'mode-collapse');
  // The view the webview gets: no config patches, and it passes the message schema.
  const views = findingViews(doctors.findings(dir));
  assert.ok(!('patch' in views[0].fixes[0]));
  assert.ok(HostToWebviewSchema.safeParse({ type: 'diagnosis', findings: views }).success);
});

test('run doctors: a folder that already shows the failure is diagnosed when first asked (reload, Open Run)', () => {
  const { dir } = runFolder(70, (i) => (i >= 40 ? { modesCovered: 1 } : {}));
  assert.deepEqual(new RunDoctors().findings(dir).map((f) => f.detector), ['mode-collapse']);
});

test('Apply fix: a new experiment beside the others with the run\'s config, the fix merged in, and its model', () => {
  const { ws, dir } = runFolder(70, (i) => (i >= 40 ? { modesCovered: 1 } : {}));
  const f = new RunDoctors().findings(dir)[0];
  const made = writeFixedExperiment(dir, f.detector, f.fixes[0]);
  assert.equal(workspaceOf(dir), ws);
  assert.equal(made.folder, path.join(ws, 'ring-fix-mode-collapse'));
  const cfg = JSON.parse(fs.readFileSync(made.config, 'utf8'));
  assert.equal(cfg.name, 'ring-fix-mode-collapse');
  assert.equal(cfg.model.minibatchStd, true, `the first fix (${f.fixes[0].label}) is applied`);
  assert.equal(cfg.training.steps, 2000, 'everything else as the broken run had it');
  assert.equal(fs.readFileSync(path.join(made.folder, 'model.ts'), 'utf8'), '// the model\n');
  assert.deepEqual(resolveConfig(cfg), made.resolved, 'the written config is valid as it stands');
  // A second fix of the same finding gets its own folder.
  assert.equal(writeFixedExperiment(dir, f.detector, f.fixes[0]).folder, path.join(ws, 'ring-fix-mode-collapse-2'));
  assert.equal(fixedName('x'.repeat(70), 'divergence', () => false).length, 60);
  // A folder without a readable config says so.
  fs.writeFileSync(path.join(dir, 'config.json'), '{');
  assert.throws(() => writeFixedExperiment(dir, f.detector, f.fixes[0]), /no readable config\.json/);
});

test('dashboard state: diagnosis replaces the findings; compare adds dashed series per run and replaces them', () => {
  let s = apply(initialState(), { type: 'init', run: { id: 'a', name: 'a', variant: 'gan-ns', dataset: '8gaussians', status: { state: 'running', step: 0, totalSteps: 10, startedAt: '', updatedAt: '' } }, metrics: [rec(0), rec(1)], warnings: [] });
  const { dir } = runFolder(70, (i) => (i >= 40 ? { modesCovered: 1 } : {}));
  s = apply(s, { type: 'diagnosis', findings: findingViews(new RunDoctors().findings(dir)) });
  assert.equal(s.findings[0].detector, 'mode-collapse');
  s = apply(s, { type: 'compare', runs: [{ id: 'b', records: [rec(0), rec(1), rec(2)] }] });
  const losses = chartSeries(s, 'losses');
  assert.deepEqual(losses.map((x) => x.key), ['lossD', 'lossG', 'cmp:0:lossD', 'cmp:0:lossG']);
  assert.equal(losses[2].label, 'D loss · b');
  assert.equal(losses[2].column.length, 3);
  s = apply(s, { type: 'compare', runs: [] });
  assert.deepEqual(chartSeries(s, 'losses').map((x) => x.key), ['lossD', 'lossG']);
  // The webview names a fix by detector and index, nothing else.
  assert.ok(WebviewToHostSchema.safeParse({ type: 'applyFix', detector: 'divergence', fix: 0 }).success);
  assert.ok(!WebviewToHostSchema.safeParse({ type: 'applyFix', detector: '', fix: 0 }).success);
  assert.ok(!WebviewToHostSchema.safeParse({ type: 'applyFix', detector: 'x', fix: 10 }).success);
});
