/** The trainer CLI: errors that name the problem, and the control socket. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { test } from 'node:test';
import { spawn } from 'node:child_process';
import { parseMessage, TrainerMessageSchema, type TrainerMessage } from '../../src/protocol/messages';
import { readLock } from '../../src/runfolder/lock';
import { readNdjson, writeNdjson } from '../../src/runfolder/socket';
import { experiment, readJsonl, runCli, TRAINER, requireBuild } from './helpers';

const tiny = { name: 'tiny', variant: 'gan-ns', data: { name: '8gaussians' }, model: { hidden: 16, depth: 2 }, training: { steps: 20, batchSize: 32 }, logging: { evalSamples: 64, metricsEvery: 5, samplesEvery: 10 } };

test('check: a valid experiment is ok', async () => {
  const exp = experiment(tiny);
  const r = await runCli(['check', '--config', exp.config]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { ok: true });
});

test('check: a syntax error in model.ts points at its file and line', async () => {
  const model = fs.readFileSync('templates/toy/model.ts', 'utf8').replace('return mlp(ctx, ctx.latentDim', 'return mlp(ctx,, ctx.latentDim');
  const exp = experiment(tiny, model);
  const line = model.split('\n').findIndex((l) => l.includes('mlp(ctx,,')) + 1;
  const r = await runCli(['check', '--config', exp.config]);
  assert.equal(r.code, 1);
  const out = JSON.parse(r.stdout);
  assert.equal(out.ok, false);
  assert.equal(out.errors[0].file, path.join(exp.dir, 'model.ts'));
  assert.equal(out.errors[0].line, line);
});

test('check: a model without the builders is refused by name', async () => {
  const exp = experiment(tiny, 'export const x = 1;\n');
  const r = await runCli(['check', '--config', exp.config]);
  assert.match(r.stdout, /must export a function buildGenerator/);
});

test('train: a bad config exits 2 naming the field, and creates no run folder', async () => {
  const exp = experiment({ ...tiny, training: { steps: -5 } });
  const runDir = path.join(exp.dir, 'run');
  const r = await runCli(['train', '--config', exp.config, '--run-dir', runDir]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /training\.steps: Too small/);
  assert.equal(fs.existsSync(runDir), false);
});

test('train: a compile error exits 3 with file:line:column and creates no run folder', async () => {
  const exp = experiment(tiny, 'export function buildGenerator( {\n');
  const runDir = path.join(exp.dir, 'run');
  const r = await runCli(['train', '--config', exp.config, '--run-dir', runDir]);
  assert.equal(r.code, 3);
  assert.match(r.stderr, new RegExp(`${path.join(exp.dir, 'model.ts').replace(/[.]/g, '\\.')}:\\d+:\\d+: `));
  assert.equal(fs.existsSync(runDir), false);
});

test('train: bad flags name the flag', async () => {
  const r = await runCli(['train', '--config', 'x.json', '--run-dir', 'r', '--steps', 'many']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--steps must be a non-negative integer, got 'many'/);
  const b = await runCli(['train', '--config', 'x.json', '--run-dir', 'r', '--backend', 'tpu']);
  assert.match(b.stderr, /--backend must be one of/);
});

test('control socket: pause, resume, sample now and stop reach the trainer; every message it sends is valid', async () => {
  requireBuild();
  const exp = experiment({ ...tiny, training: { steps: 100000, batchSize: 32 }, logging: { evalSamples: 64, metricsEvery: 5, samplesEvery: 1000 } });
  const runDir = path.join(exp.dir, 'run');
  const child = spawn(process.execPath, [TRAINER, 'train', '--config', exp.config, '--run-dir', runDir, '--backend', 'wasm', '--quiet'], { stdio: 'ignore' });
  const exited = new Promise<number | null>((r) => child.on('exit', r));
  try {
    let lock = readLock(runDir);
    for (let i = 0; i < 600 && !lock; i++) {
      await new Promise((r) => setTimeout(r, 50));
      lock = readLock(runDir);
    }
    assert.ok(lock, 'the trainer never wrote lock.json');
    // The lock is taken before the backend loads; the socket listens right after.
    for (let i = 0; i < 600 && !fs.existsSync(lock.socket); i++) await new Promise((r) => setTimeout(r, 50));
    const sock = net.connect(lock.socket);
    const got: TrainerMessage[] = [];
    const invalid: string[] = [];
    readNdjson(sock, (v) => {
      const r = parseMessage(TrainerMessageSchema, v, 'trainer→test');
      if (r.ok) got.push(r.message);
      else invalid.push(r.error);
    }, (e) => invalid.push(e));
    const until = async (what: string, pred: () => boolean, ms = 60_000) => {
      const t0 = Date.now();
      while (!pred()) {
        if (Date.now() - t0 > ms) assert.fail(`timed out waiting for ${what}; got ${got.map((m) => m.type).join(',')}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const lastStatus = () => [...got].reverse().find((m) => m.type === 'status') as Extract<TrainerMessage, { type: 'status' }> | undefined;
    await until('running', () => lastStatus()?.status.state === 'running');
    await until('metrics', () => got.some((m) => m.type === 'metrics'));
    writeNdjson(sock, { type: 'control', action: 'pause' });
    await until('paused', () => lastStatus()?.status.state === 'paused');
    const metricsWhilePaused = () => got.filter((m) => m.type === 'metrics').length;
    const before = metricsWhilePaused();
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(metricsWhilePaused(), before, 'no training while paused');
    writeNdjson(sock, { type: 'control', action: 'nonsense' });
    await until('a warning about the bad control', () => got.some((m) => m.type === 'log' && m.level === 'warn' && /rejected message 'control'/.test(m.message)));
    writeNdjson(sock, { type: 'control', action: 'resume' });
    await until('running again', () => lastStatus()?.status.state === 'running');
    writeNdjson(sock, { type: 'control', action: 'sampleNow' });
    await until('a snapshot on demand', () => got.some((m) => m.type === 'snapshot'));
    const snap = got.find((m) => m.type === 'snapshot') as Extract<TrainerMessage, { type: 'snapshot' }>;
    assert.ok(snap.snapshot.kind === 'toy2d', 'toy data gives 2-D snapshots');
    assert.equal(snap.snapshot.fake.length, 64);
    assert.equal(snap.snapshot.heatmap.values.length, snap.snapshot.heatmap.size ** 2);
    writeNdjson(sock, { type: 'control', action: 'stop' });
    await until('ended', () => got.some((m) => m.type === 'ended'));
    assert.equal((got.find((m) => m.type === 'ended') as Extract<TrainerMessage, { type: 'ended' }>).state, 'stopped');
    assert.equal(await exited, 0);
    assert.deepEqual(invalid, []);
    assert.equal(got[0].type, 'hello');
    // The folder agrees with the stream: the final status, and metrics with increasing steps.
    assert.equal(JSON.parse(fs.readFileSync(path.join(runDir, 'status.json'), 'utf8')).state, 'stopped');
    const steps = readJsonl(path.join(runDir, 'metrics.jsonl')).map((r) => r.step);
    assert.ok(steps.every((s, i) => i === 0 || s > steps[i - 1]));
    assert.equal(fs.existsSync(path.join(runDir, 'lock.json')), false);
    sock.destroy();
  } finally {
    child.kill('SIGKILL');
  }
});
