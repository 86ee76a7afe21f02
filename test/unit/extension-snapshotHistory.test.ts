/**
 * The host's side of the dashboard's history slider: the snapshot steps sent
 * after every init (and re-init), and the answer to requestSnapshot read
 * from the run's samples folder — the snapshot when the file is good, a
 * warning naming the file when it is missing or bad, never an exception.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HostToWebviewSchema, WebviewToHostSchema, type HostToWebview } from '../../src/protocol/messages';
import type { ImageSnapshot } from '../../src/protocol/metrics';
import { snapshotFileName } from '../../src/protocol/run';
import { readLatestSnapshot, readSnapshot, readSnapshotAsync } from '../../src/runfolder/read';
import { buildInit } from '../../src/extension/dashboard/initMessage';
import { LiveFeed } from '../../src/extension/dashboard/liveFeed';
import { answerSnapshotRequest, snapshotSteps } from '../../src/extension/dashboard/snapshotHistory';
import { tmpDir } from './extension-helpers';

/** An image snapshot: 2×2 cells of 3×3 grey pixels, every byte its step (mod 256). */
function imageSnapshot(step: number): ImageSnapshot {
  const grid = { rows: 2, cols: 2, height: 3, width: 3, channels: 1 as const, pixels: Buffer.alloc(36, step % 256).toString('base64') };
  return { kind: 'images', step, fake: grid, real: grid, png: `step-${String(step).padStart(8, '0')}.png` };
}

function runWithSamples(files: Record<number, string>): string {
  const dir = path.join(tmpDir(), 'img-run');
  fs.mkdirSync(path.join(dir, 'samples'), { recursive: true });
  for (const [step, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, 'samples', snapshotFileName(Number(step))), text);
  return dir;
}

function notice(m: HostToWebview): string {
  assert.equal(m.type, 'notice', JSON.stringify(m).slice(0, 200));
  assert.ok(m.type === 'notice');
  assert.equal(m.level, 'warn');
  return m.message;
}

test('requestSnapshot of a saved step answers with that snapshot, valid for the webview', async () => {
  const dir = runWithSamples({ 100: JSON.stringify(imageSnapshot(100)), 200: JSON.stringify(imageSnapshot(200)) });
  const m = await answerSnapshotRequest(dir, 100);
  assert.equal(m.type, 'historySnapshot');
  assert.ok(m.type === 'historySnapshot');
  assert.deepEqual(m.snapshot, imageSnapshot(100));
  assert.ok(HostToWebviewSchema.safeParse(m).success);
});

test('a missing snapshot file is a warning naming it', async () => {
  const dir = runWithSamples({ 100: JSON.stringify(imageSnapshot(100)) });
  const text = notice(await answerSnapshotRequest(dir, 150));
  assert.match(text, /img-run\/samples\/step-00000150\.json is missing/);
  assert.match(text, /step 150/);
  // No samples folder at all.
  const bare = path.join(tmpDir(), 'bare');
  fs.mkdirSync(bare);
  assert.match(notice(await answerSnapshotRequest(bare, 0)), /bare\/samples\/step-00000000\.json is missing/);
});

test('a corrupt or invalid snapshot file is a warning naming it and why; nothing is thrown', async () => {
  const good = imageSnapshot(400);
  const dir = runWithSamples({
    200: '{"kind":"images","step":2',
    300: JSON.stringify({ ...good, step: 300, fake: { ...good.fake, channels: 3 } }),
    400: JSON.stringify(good).replace('"step":400', '"step":401'),
    500: '\u0000\u0001',
  });
  assert.match(notice(await answerSnapshotRequest(dir, 200)), /step-00000200\.json is not valid JSON/);
  assert.match(notice(await answerSnapshotRequest(dir, 300)), /step-00000300\.json is not a snapshot \(fake\.pixels: pixels must hold/);
  assert.match(notice(await answerSnapshotRequest(dir, 400)), /step-00000400\.json holds the snapshot of step 401, not 400/);
  assert.match(notice(await answerSnapshotRequest(dir, 500)), /step-00000500\.json is not valid JSON/);
  // A folder where the file should be: unreadable, not missing.
  fs.mkdirSync(path.join(dir, 'samples', snapshotFileName(600)));
  assert.match(notice(await answerSnapshotRequest(dir, 600)), /step-00000600\.json is unreadable/);
});

test('readSnapshot and readSnapshotAsync read only step files of the samples folder', async () => {
  const dir = runWithSamples({ 7: JSON.stringify(imageSnapshot(7)) });
  // A file beside the samples folder that a crafted name would reach.
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(imageSnapshot(7)));
  for (const step of [-1, 1.5, NaN, Infinity, 2 ** 53]) {
    const r = readSnapshot(dir, step);
    assert.equal(r.ok, false, String(step));
    assert.match(r.ok ? '' : r.error, /a step is a non-negative integer/);
    assert.deepEqual(await readSnapshotAsync(dir, step), r);
  }
  const ok = readSnapshot(dir, 7);
  assert.ok(ok.ok && ok.snapshot.step === 7);
  assert.deepEqual(await readSnapshotAsync(dir, 7), ok);
  // The webview cannot send anything but an integer step in range.
  for (const step of [-1, 1.5, '7', '../config', 1e10]) assert.equal(WebviewToHostSchema.safeParse({ type: 'requestSnapshot', step }).success, false, String(step));
});

test('the latest readable snapshot is the init one; an unreadable newer file is a warning', () => {
  const dir = runWithSamples({ 100: JSON.stringify(imageSnapshot(100)), 200: 'torn' });
  const warnings: string[] = [];
  assert.equal(readLatestSnapshot(dir, warnings)?.step, 100);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /snapshot of step 200 is unreadable; showing an earlier one \(img-run\/samples\/step-00000200\.json is not valid JSON/);
});

test('snapshot steps: every step file, ascending, without duplicates; none without a samples folder', () => {
  const dir = runWithSamples({ 1000: '{}', 20: '{}', 300: '{}' });
  // The same step under a second spelling, and files that are not snapshots.
  for (const f of ['step-300.json', 'step-00000400.png', 'notes.txt', 'step-x.json']) fs.writeFileSync(path.join(dir, 'samples', f), '');
  assert.deepEqual(snapshotSteps(dir), [20, 300, 1000]);
  assert.deepEqual(snapshotSteps(path.join(dir, 'nope')), []);
  assert.ok(HostToWebviewSchema.safeParse({ type: 'snapshotSteps', steps: snapshotSteps(dir) }).success);
});

test('every init, and the full init that replaces a sampled one, is followed by the snapshot steps', () => {
  const dir = runWithSamples({ 100: JSON.stringify(imageSnapshot(100)), 200: JSON.stringify(imageSnapshot(200)) });
  const build = buildInit({ dir });
  assert.deepEqual(build.snapshotSteps, [100, 200]);
  assert.equal(build.message.snapshot?.step, 200);
  const posted: HostToWebview[] = [];
  const feed = new LiveFeed({ post: (m) => posted.push(m), status: () => undefined });
  const load = feed.started({ ...build, notices: ['sampled'] });
  assert.deepEqual(
    posted.map((m) => m.type),
    ['init', 'snapshotSteps', 'notice'],
    'the steps come after the init (which clears the webview list) and before its notices',
  );
  assert.deepEqual(posted[1], { type: 'snapshotSteps', steps: [100, 200] });
  posted.length = 0;
  assert.ok(feed.fullInit(load, { ...build, snapshotSteps: [100, 200, 300], notices: [] }));
  assert.deepEqual(posted, [build.message, { type: 'snapshotSteps', steps: [100, 200, 300] }]);
  for (const m of posted) assert.ok(HostToWebviewSchema.safeParse(m).success);
});
