/**
 * What live streaming costs the trainer: the same run with no controller
 * attached vs with a controller that reads and validates every message (what
 * the extension does), alternating, several rounds. Prints a table.
 *
 *   npm run build && npx tsx bench/streaming.ts [--rounds 3] [--steps 1500]
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { parseMessage, TrainerMessageSchema } from '../src/protocol/messages';
import { readLock } from '../src/runfolder/lock';
import { readNdjson } from '../src/runfolder/socket';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, steps: { type: 'string', default: '1500' } } });
const rounds = Number(values.rounds);
const steps = Number(values.steps);
const trainer = path.resolve('dist/trainer.js');
if (!fs.existsSync(trainer)) throw new Error('run npm run build first');

function experiment(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ganwb-bench-'));
  fs.copyFileSync('templates/toy/model.ts', path.join(dir, 'model.ts'));
  const cfg = { name: 'bench', variant: 'gan-ns', data: { name: '8gaussians' }, training: { steps, seed: 1 }, logging: { metricsEvery: 10, samplesEvery: 100 } };
  fs.writeFileSync(path.join(dir, 'gan.config.json'), JSON.stringify(cfg));
  return dir;
}

/** Runs one training; returns the training loop's seconds (from its own metrics) and messages seen. */
async function once(watch: boolean): Promise<{ seconds: number; messages: number }> {
  const dir = experiment();
  const runDir = path.join(dir, 'run');
  const child = spawn(process.execPath, [trainer, 'train', '--config', path.join(dir, 'gan.config.json'), '--run-dir', runDir, '--backend', 'wasm', '--quiet'], { stdio: 'ignore' });
  let messages = 0;
  if (watch) {
    // Attach as soon as the lock names the socket, like the extension.
    for (let i = 0; i < 400 && !readLock(runDir); i++) await new Promise((r) => setTimeout(r, 25));
    const lock = readLock(runDir);
    // The lock is taken before the backend loads; the socket listens right after.
    for (let i = 0; i < 400 && lock && !fs.existsSync(lock.socket); i++) await new Promise((r) => setTimeout(r, 25));
    if (!lock || !fs.existsSync(lock.socket)) throw new Error('the trainer never opened its control socket');
    {
      const sock = net.connect(lock.socket);
      sock.on('error', () => {});
      readNdjson(sock, (v) => {
        if (parseMessage(TrainerMessageSchema, v, 'bench').ok) messages++;
      }, () => {});
    }
  }
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  if (code !== 0) throw new Error(`trainer exited ${code}`);
  if (watch && messages === 0) throw new Error('the controller received no messages');
  const lines = fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n');
  const seconds = JSON.parse(lines[lines.length - 1]).time as number;
  fs.rmSync(dir, { recursive: true, force: true });
  return { seconds, messages };
}

(async () => {
  const rows: string[] = [];
  const alone: number[] = [];
  const watched: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const a = await once(false);
    const w = await once(true);
    alone.push(a.seconds);
    watched.push(w.seconds);
    rows.push(`| ${r + 1} | ${a.seconds.toFixed(2)} | ${w.seconds.toFixed(2)} | ${w.messages} | ${(((w.seconds - a.seconds) / a.seconds) * 100).toFixed(1)}% |`);
  }
  const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  console.log(`GAN Workbench streaming cost — ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, node ${process.version}, ${steps} steps of gan-ns on 8 Gaussians, wasm`);
  console.log('| round | no controller (s) | controller attached (s) | messages received | difference |');
  console.log('|---|---|---|---|---|');
  for (const row of rows) console.log(row);
  console.log(`| median | ${med(alone).toFixed(2)} | ${med(watched).toFixed(2)} | | ${(((med(watched) - med(alone)) / med(alone)) * 100).toFixed(1)}% |`);
})();
