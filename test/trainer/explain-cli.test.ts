import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { runCli } from './helpers';

test('trainer explain --run-dir writes the same report as GAN: Explain Run; a missing folder is a usage error', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ganwb-explain-'));
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ name: 'e', variant: 'wgan-gp', data: { name: '25gaussians' } }));
  const now = new Date().toISOString();
  fs.writeFileSync(path.join(dir, 'status.json'), JSON.stringify({ state: 'diverged', step: 30, totalSteps: 2000, startedAt: now, updatedAt: now, error: "diverged at step 31: the critic loss is not finite; the update was not applied" }));
  fs.writeFileSync(path.join(dir, 'metrics.jsonl'), [10, 20, 30].map((s) => JSON.stringify({ step: s, time: s, lossD: -1, lossG: 1, swd: 0.4 })).join('\n') + '\n');
  const r = await runCli(['explain', '--run-dir', dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), path.join(dir, 'report.md'));
  const md = fs.readFileSync(path.join(dir, 'report.md'), 'utf8');
  assert.match(md, /### 1\. Divergence \(serious\)/);
  assert.match(md, /the trainer stopped at step 30: diverged at step 31: the critic loss is not finite/);
  assert.ok(fs.existsSync(path.join(dir, 'report', 'losses.png')));
  const bad = await runCli(['explain', '--run-dir', path.join(dir, 'nope')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--run-dir: .*nope is not a folder/);
});
