/**
 * Run-folder writes when the disk refuses them. A child process runs under
 * `ulimit -f` (RLIMIT_FSIZE): a write that would make a file larger than the
 * limit first comes back short (part of the data, no error), then fails with
 * EFBIG — as a full disk does with ENOSPC. Node ignores SIGXFSZ, so the
 * process lives on and the writers must leave whole data behind.
 * (bench/faults.ts found both problems tested here.)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { readMetrics } from '../../src/runfolder/metricsLog';

const skip = process.platform === 'win32' ? 'needs bash and ulimit' : false;

/** Run `code` (CommonJS, with tsx) in a child limited to `kib` KiB per file; returns its stdout. */
function underFileLimit(kib: number, code: string): string {
  const r = spawnSync('bash', ['-c', `ulimit -f ${kib} && exec "$0" "$@"`, process.execPath, '--import', 'tsx', '-e', code], { encoding: 'utf8', cwd: process.cwd() });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test('metrics log: an append that runs out of room fails as a whole — no torn line, the next append starts clean', { skip }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ganwb-test-'));
  const file = path.join(dir, 'metrics.jsonl');
  const out = underFileLimit(
    2,
    `
    const { MetricsWriter } = require('./src/runfolder/metricsLog.ts');
    const w = new MetricsWriter(${JSON.stringify(file)});
    let ok = 0, error = '';
    try {
      for (;;) { w.append([{ step: ok + 1, time: ok, lossD: 0.123456789 }]); ok++; }
    } catch (e) { error = e.code; }
    process.stdout.write(JSON.stringify({ ok, error }));
    `,
  );
  const { ok, error } = JSON.parse(out) as { ok: number; error: string };
  assert.equal(error, 'EFBIG');
  const text = fs.readFileSync(file, 'utf8');
  assert.ok(text.endsWith('\n'), `the log ends in a torn line: …${text.slice(-40)}`);
  const m = readMetrics(file);
  assert.deepEqual(m.warnings, []);
  assert.deepEqual(
    m.records.map((r) => r.step),
    Array.from({ length: ok }, (_, i) => i + 1),
    'exactly the appends that returned are in the log',
  );
});

test('atomic write: a write that fails leaves the old content and no temporary file', { skip }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ganwb-test-'));
  const file = path.join(dir, 'status.json');
  fs.writeFileSync(file, '{"old":true}\n');
  const out = underFileLimit(
    1,
    `
    const { writeFileAtomic } = require('./src/runfolder/atomic.ts');
    try { writeFileAtomic(${JSON.stringify(file)}, 'x'.repeat(3000)); process.stdout.write('written'); }
    catch (e) { process.stdout.write(e.code); }
    `,
  );
  assert.equal(out, 'EFBIG');
  assert.equal(fs.readFileSync(file, 'utf8'), '{"old":true}\n');
  assert.deepEqual(fs.readdirSync(dir), ['status.json'], 'no temporary file left behind');
});
