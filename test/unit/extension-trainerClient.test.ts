import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Handlers, TrainerMessage } from '../../src/protocol/messages';
import { readRunFolder } from '../../src/runfolder/read';
import { MemoryLogger } from '../../src/extension/logger';
import { TrainerClient, type GoneInfo } from '../../src/extension/runs/trainerClient';
import { runCheck, spawnTrainer, TrainerRunError, waitForTrainer } from '../../src/extension/runs/trainerProcess';
import type { ExitInfo } from '../../src/extension/runs/trainerProcess';
import { fakeCommand, killAll, makeExperiment, NODE, startFake, tmpDir, waitFor } from './extension-helpers';

after(killAll);

interface Seen {
  messages: TrainerMessage[];
  gone?: GoneInfo;
  goneAt?: number;
}

function connect(runDir: string, childExit?: Promise<ExitInfo>) {
  const seen: Seen = { messages: [] };
  const log = new MemoryLogger();
  const push = (m: TrainerMessage) => seen.messages.push(m);
  const handlers: Handlers<TrainerMessage> = { hello: push, status: push, metrics: push, snapshot: push, log: push, ended: push };
  const client = new TrainerClient({
    runDir,
    log,
    handlers,
    childExit,
    onGone: (g) => {
      seen.gone = g;
      seen.goneAt = Date.now();
    },
  });
  client.start();
  return { client, seen, log };
}

function setup(name: string) {
  const root = tmpDir();
  const config = makeExperiment(root, name);
  const runDir = path.join(root, '.gan', 'runs', `${name}-run`);
  return { root, config, runDir };
}

test('hello, status, metrics and snapshots arrive validated and typed', async () => {
  const { config, runDir } = setup('basic');
  await startFake(config, runDir);
  const { client, seen } = connect(runDir);
  try {
    await waitFor('metrics', () => seen.messages.filter((m) => m.type === 'metrics').length >= 3);
    assert.equal(seen.messages[0].type, 'hello');
    assert.equal(seen.messages[1].type, 'status');
    assert.ok(client.connected);
    const hello = seen.messages[0] as Extract<TrainerMessage, { type: 'hello' }>;
    assert.equal(hello.backend.name, 'cpu');
    await waitFor('a snapshot', () => seen.messages.some((m) => m.type === 'snapshot'));
  } finally {
    client.send({ type: 'control', action: 'stop' });
    await waitFor('gone', () => seen.gone, 5000);
    client.dispose();
  }
});

test('malformed and unknown lines are rejected, logged, and never reach a handler', async () => {
  const { config, runDir } = setup('malformed');
  await startFake(config, runDir, { FAKE_TRAINER_MODE: 'malformed' });
  const { client, seen, log } = connect(runDir);
  try {
    await waitFor('metrics after the garbage', () => seen.messages.some((m) => m.type === 'metrics'));
    assert.equal(client.rejected, 5, log.lines.map((l) => l.message).join('\n'));
    const warnings = log.lines.filter((l) => l.level === 'warn').map((l) => l.message);
    assert.ok(warnings.some((w) => /not JSON: this is not json/.test(w)));
    assert.ok(warnings.some((w) => /rejected message 'metrics'.*records\.0\.step/.test(w)), warnings.join('\n'));
    assert.ok(warnings.some((w) => /rejected message 'launch-missiles'/.test(w)));
    assert.ok(warnings.some((w) => /rejected message 'hello'.*protocol/.test(w)));
    assert.ok(warnings.some((w) => /rejected message without a type/.test(w)));
    // Only the valid hello was handled; every handled metrics record is well-formed.
    assert.equal(seen.messages.filter((m) => m.type === 'hello').length, 1);
    for (const m of seen.messages) if (m.type === 'metrics') for (const r of m.records) assert.equal(typeof r.step, 'number');
  } finally {
    client.send({ type: 'control', action: 'stop' });
    await waitFor('gone', () => seen.gone, 5000);
    client.dispose();
  }
});

test('messages split across writes are reassembled', async () => {
  const { config, runDir } = setup('split');
  await startFake(config, runDir, { FAKE_TRAINER_MODE: 'split' });
  const { client, seen } = connect(runDir);
  try {
    await waitFor('metrics', () => seen.messages.filter((m) => m.type === 'metrics').length >= 5);
    assert.equal(client.rejected, 0);
  } finally {
    client.send({ type: 'control', action: 'stop' });
    await waitFor('gone', () => seen.gone, 5000);
    client.dispose();
  }
});

test('pause, resume and stop reach the trainer; a clean stop is not recorded by the host', async () => {
  const { config, runDir } = setup('control');
  const t = await startFake(config, runDir);
  const { client, seen } = connect(runDir, t.exit);
  await waitFor('connected', () => client.connected);
  assert.ok(client.send({ type: 'control', action: 'pause' }));
  await waitFor('paused status', () => seen.messages.some((m) => m.type === 'status' && m.status.state === 'paused'));
  assert.ok(client.send({ type: 'control', action: 'resume' }));
  await waitFor('running again', () => seen.messages.filter((m) => m.type === 'status' && m.status.state === 'running').length >= 2);
  assert.ok(client.send({ type: 'control', action: 'stop' }));
  await waitFor('gone', () => seen.gone, 5000);
  const controls = fs.readFileSync(path.join(runDir, 'fake-controls.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(controls, [
    { type: 'control', action: 'pause' },
    { type: 'control', action: 'resume' },
    { type: 'control', action: 'stop' },
  ]);
  assert.ok(seen.messages.some((m) => m.type === 'ended' && m.state === 'stopped'));
  assert.equal(seen.gone!.status.state, 'stopped');
  assert.equal(seen.gone!.recordedByHost, false);
  assert.equal(client.send({ type: 'control', action: 'stop' }), false, 'nothing to send to');
  client.dispose();
});

test('kill -9 of a trainer this host spawned → killed with the signal, within 1 s', async () => {
  const { config, runDir } = setup('kill');
  const t = await startFake(config, runDir);
  const { client, seen } = connect(runDir, t.exit);
  await waitFor('some metrics', () => seen.messages.filter((m) => m.type === 'metrics').length >= 3);
  const killedAt = Date.now();
  process.kill(t.pid!, 'SIGKILL');
  await waitFor('gone', () => seen.gone, 3000, 5);
  const elapsed = seen.goneAt! - killedAt;
  assert.ok(elapsed < 1000, `noticed after ${elapsed} ms`);
  assert.equal(seen.gone!.status.state, 'killed');
  assert.equal(seen.gone!.recordedByHost, true);
  assert.match(seen.gone!.status.error!, /SIGKILL/);
  assert.equal(seen.gone!.exit?.signal, 'SIGKILL');
  const folder = readRunFolder(runDir);
  assert.equal(folder.status.state, 'killed');
  assert.match(folder.status.error!, /SIGKILL/, 'status.json on disk says so');
  client.dispose();
});

test('kill -9 of a trainer started elsewhere (reattached) → killed within 1 s', async () => {
  const { config, runDir } = setup('kill-reattached');
  const t = await startFake(config, runDir);
  const { client, seen } = connect(runDir); // no child exit: like a reloaded window
  await waitFor('connected', () => client.connected);
  const killedAt = Date.now();
  process.kill(t.pid!, 'SIGKILL');
  await waitFor('gone', () => seen.gone, 3000, 5);
  assert.ok(seen.goneAt! - killedAt < 1000, `noticed after ${seen.goneAt! - killedAt} ms`);
  assert.equal(seen.gone!.status.state, 'killed');
  assert.equal(readRunFolder(runDir).status.state, 'killed');
  client.dispose();
});

test('a crash (exit 1 mid-run, torn metrics line) is recorded as failed with its code', async () => {
  const { config, runDir } = setup('crash');
  const t = await startFake(config, runDir, { FAKE_TRAINER_MODE: 'torn-at:40' });
  const { client, seen } = connect(runDir, t.exit);
  await waitFor('gone', () => seen.gone, 5000);
  assert.equal(seen.gone!.status.state, 'failed');
  assert.match(seen.gone!.status.error!, /code 1/);
  const folder = readRunFolder(runDir);
  assert.equal(folder.status.state, 'failed');
  client.dispose();
});

test('a trainer that takes its lock before listening is reached by retrying', async () => {
  const { config, runDir } = setup('late');
  await startFake(config, runDir, { FAKE_TRAINER_MODE: 'late-listen' });
  const { client, seen } = connect(runDir);
  await waitFor('connected after the socket appears', () => client.connected, 5000);
  assert.equal(seen.gone, undefined);
  client.send({ type: 'control', action: 'stop' });
  await waitFor('gone', () => seen.gone, 5000);
  assert.equal(seen.gone!.status.state, 'stopped');
  client.dispose();
});

test('a lock.json naming something that is not a socket is never connected to', async () => {
  const { runDir } = setup('hostile-lock');
  fs.mkdirSync(runDir, { recursive: true });
  const notASocket = path.join(runDir, 'regular-file');
  fs.writeFileSync(notASocket, 'x');
  // A live pid (this test process) with a bogus socket path.
  fs.writeFileSync(path.join(runDir, 'lock.json'), JSON.stringify({ pid: process.pid, socket: notASocket, startedAt: 'x' }));
  const { client, seen, log } = connect(runDir);
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(client.connected, false);
  assert.equal(seen.messages.length, 0);
  assert.ok(log.lines.some((l) => l.level === 'warn' && /not a socket/.test(l.message)));
  fs.rmSync(path.join(runDir, 'lock.json'));
  await waitFor('gone once the lock is gone', () => seen.gone, 5000);
  client.dispose();
});

test('waitForTrainer: an early exit shows the tail of trainer.log', async () => {
  const { config, runDir } = setup('early');
  const t = spawnTrainer(fakeCommand({ FAKE_TRAINER_MODE: 'crash-early' }), { configPath: config, runDir, backend: 'auto' });
  await assert.rejects(waitForTrainer(runDir, t.exit, 10_000, 20), (e: unknown) => {
    assert.ok(e instanceof TrainerRunError);
    assert.match(e.message, /exited with code 1 \(crash\) before it started training/);
    assert.match(e.detail, /cannot load the model: boom/);
    return true;
  });
});

test('waitForTrainer: a trainer that never takes its lock times out', async () => {
  const { config, runDir } = setup('slow');
  const script = path.join(path.dirname(config), 'sleeper.mjs');
  fs.writeFileSync(script, "console.log('loading forever'); setTimeout(() => {}, 60000);\n");
  const t = spawnTrainer({ runtime: NODE, trainerScript: script }, { configPath: config, runDir, backend: 'auto' });
  try {
    await assert.rejects(waitForTrainer(runDir, t.exit, 500, 20), /did not take the run folder's lock within/);
  } finally {
    t.child.kill('SIGKILL');
  }
});

test('spawned trainers are detached: their own process group, output in trainer.log', async () => {
  const { config, runDir } = setup('detached');
  const t = await startFake(config, runDir);
  const { client, seen } = connect(runDir, t.exit);
  await waitFor('connected', () => client.connected);
  if (process.platform !== 'win32') {
    const stat = fs.readFileSync(`/proc/${t.pid}/stat`, 'utf8');
    const pgid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
    assert.equal(pgid, t.pid, 'the trainer leads its own process group');
  }
  assert.match(fs.readFileSync(path.join(runDir, 'trainer.log'), 'utf8'), /fake trainer: pid/);
  client.send({ type: 'control', action: 'stop' });
  await waitFor('gone', () => seen.gone, 5000);
  client.dispose();
});

test('check: ok, and compile errors with file and 1-based line', async () => {
  const root = tmpDir();
  const config = makeExperiment(root, 'chk');
  assert.deepEqual(await runCheck(fakeCommand(), config), { ok: true });
  const model = path.join(path.dirname(config), 'model.ts');
  fs.writeFileSync(model, 'export const a = 1;\nexport const b = FAKE_COMPILE_ERROR;\n');
  const r = await runCheck(fakeCommand(), config);
  assert.equal(r.ok, false);
  assert.deepEqual(!r.ok && r.errors[0], { file: model, line: 2, column: 18, message: 'Expected ";" but found "FAKE_COMPILE_ERROR"' });
  const missing = path.join(root, 'nothing.mjs');
  fs.writeFileSync(missing, 'process.exit(3)\n');
  await assert.rejects(runCheck({ runtime: NODE, trainerScript: missing }, config), /gave no result \(exit 3\)/);
});
