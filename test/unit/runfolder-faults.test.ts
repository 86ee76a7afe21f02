/**
 * Run-folder writes under faults (found by bench/faults.ts).
 *
 * When the disk refuses them: a child process runs under
 * `ulimit -f` (RLIMIT_FSIZE): a write that would make a file larger than the
 * limit first comes back short (part of the data, no error), then fails with
 * EFBIG — as a full disk does with ENOSPC. Node ignores SIGXFSZ, so the
 * process lives on and the writers must leave whole data behind.
 *
 * When the writer is killed between write and rename: its temporary stays,
 * and the next trainer on the folder removes it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { removeStaleTemporaries } from '../../src/runfolder/atomic';
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

test('atomic write: temporaries of dead writers are removed, those of live ones and other files stay', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ganwb-test-'));
  const dead = spawnSync(process.execPath, ['-e', '']).pid!; // exited and reaped
  const names = {
    dead: `.status.json.${dead}.1795618605914.tmp`,
    live: `.status.json.${process.pid}.1795618605914.tmp`,
    other: '.hidden.tmp',
    file: 'status.json',
  };
  for (const n of Object.values(names)) fs.writeFileSync(path.join(dir, n), '{');
  assert.deepEqual(removeStaleTemporaries(dir), [names.dead]);
  assert.deepEqual(fs.readdirSync(dir).sort(), [names.live, names.other, names.file].sort());
  assert.deepEqual(removeStaleTemporaries(path.join(dir, 'absent')), []);
});
