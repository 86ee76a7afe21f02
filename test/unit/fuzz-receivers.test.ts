/**
 * The real receivers, fuzzed end to end over real Unix sockets: the
 * trainer's ControlServer and the extension's TrainerClient are fed random
 * lines — valid and mutated messages, random JSON, non-JSON, blank and
 * giant lines — cut into random chunks (so lines arrive in parts). Neither
 * crashes; only valid messages reach a handler (counted against what a
 * reference parse of the same lines expects); the server answers each
 * rejected line with a valid `log` warning.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { ControlMessageSchema, TrainerMessageSchema, type ControlMessage, type Handlers, type TrainerMessage } from '../../src/protocol/messages';
import { RUN_FILES } from '../../src/protocol/run';
import { MAX_LINE_BYTES } from '../../src/runfolder/socket';
import { ControlServer } from '../../src/trainer/server';
import { MemoryLogger } from '../../src/extension/logger';
import { TrainerClient } from '../../src/extension/runs/trainerClient';
import { controlMessage, trainerMessage } from './fuzz-arbitraries';
import { mutated, tried } from './fuzz-helpers';

const LINES = Number(process.env.FUZZ_LINES ?? 3000);
after(() => console.log(`fuzz-receivers: ${tried.count} lines sent`));

const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ganwb-fz-')));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function randomLines(valid: fc.Arbitrary<unknown>, n: number, seed: number): string[] {
  const line = fc.oneof(
    { weight: 3, arbitrary: valid.map((v) => JSON.stringify(v)) },
    { weight: 5, arbitrary: mutated(valid).map((v) => JSON.stringify(v) ?? 'undefined') },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary' }).map((s) => s.replace(/\n/g, '')) },
    { weight: 1, arbitrary: fc.constantFrom('', ' ', '\r', '{', '}{', 'null', '[]', '"control"', '{"type":"control","action":"stop"', '\u0000\u0001') },
  );
  return fc.sample(line, { numRuns: n, seed });
}

/** What a correct receiver does with each line: valid, rejected, or skipped (blank). */
function expected(lines: string[], schema: { safeParse: (v: unknown) => { success: boolean } }): { valid: number; rejected: number } {
  let valid = 0;
  let rejected = 0;
  for (const l of lines) {
    if (l.trim() === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(l);
    } catch {
      rejected++;
      continue;
    }
    if (schema.safeParse(v).success) valid++;
    else rejected++;
  }
  return { valid, rejected };
}

/** Write `text` in random-sized chunks, yielding between them, so lines arrive cut anywhere. */
async function writeChunked(sock: net.Socket, text: string, seed: number): Promise<void> {
  const buf = Buffer.from(text);
  let rnd = seed >>> 0 || 1;
  const next = () => (rnd = (rnd * 1103515245 + 12345) >>> 0);
  for (let i = 0; i < buf.length; ) {
    const size = 1 + (next() % 4096);
    const ok = sock.write(buf.subarray(i, i + size));
    i += size;
    if (!ok) await new Promise((r) => sock.once('drain', r));
    else if (next() % 8 === 0) await new Promise((r) => setImmediate(r));
  }
}

async function waitFor(what: string, cond: () => boolean, ms = 20_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function connectLines(socketPath: string): Promise<{ sock: net.Socket; lines: string[] }> {
  return new Promise((resolve, reject) => {
    const sock = net.createConnection(socketPath);
    const lines: string[] = [];
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        lines.push(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    });
    sock.once('connect', () => resolve({ sock, lines }));
    sock.once('error', reject);
  });
}

test('fuzz the trainer ControlServer: only valid controls reach onControl, every rejected line gets a log warning back', async () => {
  const socketPath = path.join(tmp, 'ctl.sock');
  const controls: ControlMessage[] = [];
  const warnings: string[] = [];
  const server = new ControlServer(socketPath, (m) => controls.push(m), () => [], (w) => warnings.push(w));
  await server.listen();
  try {
    for (const seed of [1, 2]) {
      const lines = randomLines(controlMessage, LINES, seed);
      tried.count += lines.length;
      const exp = expected(lines, ControlMessageSchema);
      const before = controls.length;
      const { sock, lines: replies } = await connectLines(socketPath);
      await writeChunked(sock, lines.join('\n') + '\n', seed);
      await waitFor('every line handled', () => controls.length - before === exp.valid && replies.length === exp.rejected);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(controls.length - before, exp.valid, 'valid controls reached onControl');
      assert.equal(replies.length, exp.rejected, 'one reply per rejected line');
      for (const c of controls) assert.ok(ControlMessageSchema.safeParse(c).success);
      for (const r of replies) {
        const m = TrainerMessageSchema.safeParse(JSON.parse(r));
        assert.ok(m.success, `the reply is a valid trainer message: ${r.slice(0, 200)}`);
        assert.equal(m.data.type, 'log');
        assert.ok(m.data.type === 'log' && m.data.level === 'warn' && /^host→trainer: /.test(m.data.message), r.slice(0, 200));
      }
      sock.destroy();
    }
    assert.ok(controls.length > 0);

    // A giant line without a newline: that connection is cut, the server lives on.
    const giant = await connectLines(socketPath);
    const closed = new Promise((r) => giant.sock.once('close', r));
    giant.sock.on('error', () => {});
    await writeChunked(giant.sock, 'x'.repeat(MAX_LINE_BYTES + 1024), 3);
    await closed;
    tried.count++;
    // A giant valid-JSON line under the limit, with a huge type: a short, valid warning comes back.
    const big = await connectLines(socketPath);
    await writeChunked(big.sock, JSON.stringify({ type: 'x'.repeat(2_000_000) }) + '\n' + '{"type":"control","action":"sampleNow"}\n', 4);
    tried.count += 2;
    await waitFor('reply to the big line', () => big.lines.length === 1 && controls.at(-1)?.action === 'sampleNow');
    const reply = TrainerMessageSchema.parse(JSON.parse(big.lines[0]));
    assert.ok(reply.type === 'log' && reply.message.length < 1000, 'the warning is clipped');
    // A peer that leaves mid-line.
    const partial = await connectLines(socketPath);
    partial.sock.end('{"type":"control","act');
    tried.count++;
    const n = controls.length;
    const last = await connectLines(socketPath);
    last.sock.write('{"type":"control","action":"pause"}\n');
    await waitFor('the server still answers', () => controls.length === n + 1);
    big.sock.destroy();
    last.sock.destroy();
  } finally {
    await server.close();
  }
});

test('fuzz the extension TrainerClient: no handler sees an invalid message, rejections are counted, no crash', async () => {
  const runDir = path.join(tmp, 'run-1');
  fs.mkdirSync(runDir);
  const socketPath = path.join(tmp, 'tr.sock');
  const conns: net.Socket[] = [];
  const server = net.createServer((s) => {
    s.on('error', () => {});
    conns.push(s);
  });
  await new Promise<void>((r) => server.listen(socketPath, r));
  fs.writeFileSync(path.join(runDir, RUN_FILES.lock), JSON.stringify({ pid: process.pid, socket: socketPath, startedAt: new Date().toISOString() }));
  const seen: TrainerMessage[] = [];
  const check = (m: TrainerMessage) => {
    assert.ok(TrainerMessageSchema.safeParse(m).success, 'handlers only see valid messages');
    seen.push(m);
  };
  const handlers: Handlers<TrainerMessage> = { hello: check, status: check, metrics: check, snapshot: check, log: check, ended: check };
  const log = new MemoryLogger();
  let gone = false;
  const client = new TrainerClient({ runDir, log, handlers, onGone: () => (gone = true), retryDelaysMs: [20] });
  client.start();
  try {
    let expValid = 0;
    let expRejected = 0;
    for (const seed of [5, 6]) {
      await waitFor('a connection', () => conns.length > 0 && client.connected);
      const sock = conns.shift()!;
      const lines = randomLines(trainerMessage, LINES, seed);
      tried.count += lines.length;
      const exp = expected(lines, TrainerMessageSchema);
      expValid += exp.valid;
      expRejected += exp.rejected;
      await writeChunked(sock, lines.join('\n') + '\n', seed);
      await waitFor('every line handled', () => client.handled === expValid && client.rejected === expRejected);
      // The trainer drops the connection; the lock is live, so the client reconnects.
      sock.destroy();
    }
    assert.equal(seen.length, expValid);
    assert.ok(log.lines.filter((l) => l.level === 'warn').length <= 2 * 51, 'rejections are logged, but not without bound');
    // A giant line: the client cuts the connection and reconnects.
    await waitFor('a connection', () => conns.length > 0 && client.connected);
    const sock = conns.shift()!;
    await writeChunked(sock, 'y'.repeat(MAX_LINE_BYTES + 1024), 7);
    tried.count++;
    await waitFor('a new connection after the giant line', () => conns.length > 0 && client.connected);
    conns[0].write('{"type":"log","level":"info","message":"still here"}\n');
    await waitFor('a message on the new connection', () => seen.at(-1)?.type === 'log' && (seen.at(-1) as { message: string }).message === 'still here');
    assert.equal(gone, false);
  } finally {
    client.dispose();
    for (const c of conns) c.destroy();
    await new Promise((r) => server.close(r));
  }
});
