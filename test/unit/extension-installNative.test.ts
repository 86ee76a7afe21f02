/**
 * GAN: Install Native Backend without a network: a stand-in npm (a small
 * Node script) records how it was called and prints what the real npm and
 * tfjs-node's install step print in each case; the outcome must say what
 * happened and what to do.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { installNative, npmArgs } from '../../src/extension/backends/installNative';
import { tmpDir } from './extension-helpers';

/** An executable stand-in for npm: writes argv and cwd to calls.json, prints $FAKE_NPM_OUT, exits with $FAKE_NPM_CODE (or sleeps). */
function fakeNpm(dir: string): string {
  const file = path.join(dir, 'npm');
  fs.writeFileSync(
    file,
    `#!${process.execPath}
const fs = require('node:fs');
fs.writeFileSync(${JSON.stringify(path.join(dir, 'calls.json'))}, JSON.stringify({ argv: process.argv.slice(2), cwd: process.cwd() }));
process.stdout.write(process.env.FAKE_NPM_OUT || '');
if (process.env.FAKE_NPM_SLEEP) setTimeout(() => {}, 60000);
else process.exitCode = Number(process.env.FAKE_NPM_CODE || 0);
`,
  );
  fs.chmodSync(file, 0o755);
  return file;
}

const run = (env: Record<string, string>, extra: { signal?: AbortSignal } = {}) => {
  const dir = tmpDir('ganwb-npm-');
  const lines: string[] = [];
  const p = installNative({ npm: fakeNpm(dir), cwd: dir, backend: 'tfjs-node-gpu', onLine: (l) => lines.push(l), env: { ...process.env, ...env }, ...extra });
  return { dir, lines, p };
};

test('success: npm runs in the extension folder with the pinned binding, without touching package.json; its lines are streamed', async () => {
  const { dir, lines, p } = run({ FAKE_NPM_OUT: 'npm http fetch GET 200 https://registry/x\n\nadded 3 packages in 9s\n', FAKE_NPM_CODE: '0' });
  const o = await p;
  assert.equal(o.ok, true);
  assert.match(o.message, /@tensorflow\/tfjs-node-gpu 4\.22\.0 is installed/);
  const calls = JSON.parse(fs.readFileSync(path.join(dir, 'calls.json'), 'utf8')) as { argv: string[]; cwd: string };
  assert.deepEqual(calls.argv, npmArgs('tfjs-node-gpu'));
  assert.ok(calls.argv.includes('--no-save') && calls.argv.includes('@tensorflow/tfjs-node-gpu@4.22.0'));
  assert.equal(fs.realpathSync(calls.cwd), fs.realpathSync(dir));
  assert.deepEqual(lines, ['npm http fetch GET 200 https://registry/x', 'added 3 packages in 9s']);
});

test('libtensorflow cannot be downloaded (no internet beyond the registry): said so, with the command to run elsewhere', async () => {
  const out = '> @tensorflow/tfjs-node-gpu@4.22.0 install\n> node scripts/install.js gpu download\n* Downloading libtensorflow\nError: getaddrinfo ENOTFOUND some.host\nnpm error code 1\n';
  const o = await run({ FAKE_NPM_OUT: out, FAKE_NPM_CODE: '1' }).p;
  assert.equal(o.ok, false);
  assert.equal(!o.ok && o.reason, 'download');
  assert.match(o.message, /could not download libtensorflow/);
  assert.match(o.message, /npm install --no-save .*@tensorflow\/tfjs-node-gpu@4\.22\.0/);
});

test('a read-only extension folder, an unreachable registry and any other failure each get their own message', async () => {
  const ro = await run({ FAKE_NPM_OUT: "npm error code EACCES\nnpm error syscall mkdir\nnpm error Error: EACCES: permission denied, mkdir '/usr/share/ext/node_modules'\n", FAKE_NPM_CODE: '243' }).p;
  assert.equal(!ro.ok && ro.reason, 'not-writable');
  assert.match(ro.message, /not writable/);
  const net = await run({ FAKE_NPM_OUT: 'npm error code ENOTFOUND\nnpm error network request to the registry failed\n', FAKE_NPM_CODE: '1' }).p;
  assert.equal(!net.ok && net.reason, 'network');
  const other = await run({ FAKE_NPM_OUT: 'npm error code ERESOLVE\nnpm error could not resolve\n', FAKE_NPM_CODE: '1' }).p;
  assert.equal(!other.ok && other.reason, 'failed');
  assert.match(other.message, /npm exited with 1: npm error code ERESOLVE npm error could not resolve/);
});

test('no npm, and Cancel: reported, nothing hangs', async () => {
  const dir = tmpDir('ganwb-npm-');
  const missing = await installNative({ npm: path.join(dir, 'no-such-npm'), cwd: dir, backend: 'tfjs-node' });
  assert.equal(!missing.ok && missing.reason, 'no-npm');
  assert.match(missing.message, /npm was not found/);
  const abort = new AbortController();
  const slow = run({ FAKE_NPM_SLEEP: '1' }, { signal: abort.signal });
  setTimeout(() => abort.abort(), 300);
  const cancelled = await slow.p;
  assert.equal(!cancelled.ok && cancelled.reason, 'cancelled');
});
