/**
 * The faults of bench/faults.ts. Each trial sets up a fresh experiment,
 * injects its fault at a moment drawn from the trial's seeded PRNG, checks
 * what the fault left, recovers the run the way a user would, and returns
 * the folder states the driver judges (bench/faultlib/folder.ts).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { TrainerMessage } from '../../src/protocol/messages';
import { RUN_FILES } from '../../src/protocol/run';
import { latestGoodCheckpoint } from '../../src/runfolder/checkpoints';
import { readLock } from '../../src/runfolder/lock';
import { readMetrics } from '../../src/runfolder/metricsLog';
import { readRunFolder } from '../../src/runfolder/read';
import { writeNdjson } from '../../src/runfolder/socket';
import { silentLogger } from '../../src/extension/logger';
import { TrainerClient } from '../../src/extension/runs/trainerClient';
import type { Rng } from '../../src/trainer/rng';
import { capture, comparable, type FolderState } from './folder';
import { sleep, startTrainer, tail, waitFor, type StartOptions, type Trainer } from './proc';

const TEMPLATE_MODEL = 'templates/toy/model.ts';

export function benchConfig(steps: number) {
  return {
    name: 'faults',
    variant: 'gan-ns',
    data: { name: '8gaussians' },
    model: { hidden: 16, depth: 2 },
    training: { steps, batchSize: 32, seed: 11 },
    logging: { metricsEvery: 2, samplesEvery: 40, evalSamples: 128, checkpointEvery: 20, keepCheckpoints: 2 },
    backend: 'wasm',
  };
}

export interface Reference {
  steps: number;
  cfg: ReturnType<typeof benchConfig>;
  /** Wall time of the whole trainer process (start-up included). */
  wallMs: number;
  /** From the spawn to the first metrics line: start-up (module load, compile, backend, folder). */
  startMs: number;
  /** Space the finished folder takes, in 4 KiB blocks as a tmpfs counts it. */
  usageKiB: number;
  final: FolderState;
}

export interface TrialContext {
  dir: string;
  seed: number;
  rng: Rng;
  ref: Reference;
  /** A tmpfs can be mounted (root on Linux). */
  mount: boolean;
}

export interface Trial {
  injected: boolean;
  /** What the PRNG chose. */
  drawn: string;
  /** Where the fault hit (measured). */
  landed: string;
  /** How the run was recovered. */
  recovery: string;
  /** The recovery ended as it should (exit code, and the fault's own checks). */
  recovered: boolean;
  /** The folder before each recovery attempt, with the checkpoint step that attempt continued from. */
  before: { state: FolderState; resumedFrom: number }[];
  /** Other states whose checkpoints must verify. */
  extraStates: FolderState[];
  final: FolderState;
  problems: string[];
  /** stderr of the last recovery attempt. */
  stderr: string;
}

export interface Fault {
  id: string;
  title: string;
  describe: string;
  run(ctx: TrialContext): Promise<Trial>;
}

interface Experiment {
  config: string;
  runDir: string;
}

function experiment(dir: string, steps: number, model = fs.readFileSync(TEMPLATE_MODEL, 'utf8'), runDir = path.join(dir, 'run')): Experiment {
  fs.writeFileSync(path.join(dir, 'model.ts'), model);
  fs.writeFileSync(path.join(dir, 'gan.config.json'), JSON.stringify(benchConfig(steps), null, 2));
  return { config: path.join(dir, 'gan.config.json'), runDir };
}

const freshStart = (e: Experiment, o?: StartOptions) => startTrainer(['train', '--config', e.config, '--run-dir', e.runDir], o);

function lastStep(st: FolderState): number {
  const l = st.lines.at(-1);
  return l ? (JSON.parse(l) as { step: number }).step : 0;
}

function landedAt(st: FolderState): string {
  if (!st.isRun) return 'start-up (no run folder yet)';
  const ck = st.checkpoints.filter((c) => c.ok).at(-1)?.step;
  return `step ${lastStep(st)}${ck !== undefined ? `, checkpoint ${ck}` : ', no checkpoint'}`;
}

function sizeKiB(dir: string): number {
  let kib = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    kib += 4 * (e.isDirectory() ? 1 : Math.ceil(fs.statSync(p).size / 4096));
    if (e.isDirectory()) kib += sizeKiB(p);
  }
  return kib;
}

export async function referenceRun(work: string, quick: boolean): Promise<Reference> {
  const steps = quick ? 60 : 100;
  const dir = path.join(work, 'reference');
  fs.mkdirSync(dir);
  const e = experiment(dir, steps);
  const p = freshStart(e);
  const t0 = performance.now();
  await reachStep(p, e, 1);
  const startMs = performance.now() - t0;
  const x = await p.exit;
  if (x.code !== 0) throw new Error(`the uninterrupted reference run failed (exit ${x.code}): ${tail(x.stderr)}`);
  const final = capture(e.runDir);
  return { steps, cfg: benchConfig(steps), wallMs: x.ms, startMs, usageKiB: sizeKiB(e.runDir), final };
}

/** Can this process mount a tmpfs (root on Linux, a container that allows it)? */
export function probeMount(work: string): { ok: boolean; reason?: string } {
  const probe = path.join(work, 'mount-probe');
  fs.mkdirSync(probe);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'pipe' });
    execFileSync('umount', [probe], { stdio: 'pipe' });
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: String((e as { stderr?: Buffer }).stderr ?? e).trim().split('\n')[0] };
  }
}

/**
 * The recovery a user would do: `train --resume` on a run folder, or the
 * same start again when the fault came before config.json existed. Records
 * the folder as it was and the checkpoint step the attempt continued from.
 */
async function recoverOnce(t: Trial, e: Experiment): Promise<{ code: number | null; stderr: string; step: number }> {
  const state = capture(e.runDir);
  const step = state.isRun ? (latestGoodCheckpoint(e.runDir)?.manifest.step ?? 0) : 0;
  t.before.push({ state, resumedFrom: step });
  const x = await (state.isRun ? startTrainer(['train', '--resume', e.runDir]) : freshStart(e)).exit;
  t.recovery += `${t.recovery ? '; ' : ''}${state.isRun ? `resume from step ${step}` : 'fresh start'} → exit ${x.code ?? x.signal}`;
  t.stderr = x.stderr;
  return { code: x.code, stderr: x.stderr, step };
}

async function recover(t: Trial, e: Experiment): Promise<Trial> {
  const r = await recoverOnce(t, e);
  t.recovered = r.code === 0;
  if (!t.recovered) t.problems.push(`recovery failed: ${tail(r.stderr)}`);
  t.final = capture(e.runDir);
  return t;
}

function newTrial(drawn: string): Trial {
  return { injected: false, drawn, landed: '', recovery: '', recovered: false, before: [], extraStates: [], final: undefined as unknown as FolderState, problems: [], stderr: '' };
}

/** The step of the last complete metrics line on disk (0: none yet). */
function loggedStep(runDir: string): number {
  let text: string;
  try {
    text = fs.readFileSync(path.join(runDir, RUN_FILES.metrics), 'utf8');
  } catch {
    return 0;
  }
  const end = text.lastIndexOf('\n');
  if (end < 0) return 0;
  return (JSON.parse(text.slice(text.lastIndexOf('\n', end - 1) + 1, end)) as { step: number }).step;
}

/** Wait until the trainer has logged step `step` or later; false when it ended first. */
async function reachStep(t: Trainer, e: Experiment, step: number): Promise<boolean> {
  return waitFor(() => loggedStep(e.runDir) >= step, 300_000, t.alive);
}

/**
 * A moment in training, drawn as a step (load on the machine changes how
 * long steps take, not which step a fault hits) plus up to 40 ms, so that
 * faults also land between metrics lines (inside a step, a snapshot or a
 * checkpoint write).
 */
function drawStep(ctx: TrialContext): { step: number; extraMs: number } {
  return { step: 1 + ctx.rng.int(ctx.ref.steps - 1), extraMs: ctx.rng.int(40) };
}

async function atStep(t: Trainer, e: Experiment, at: { step: number; extraMs: number }): Promise<void> {
  if (!(await reachStep(t, e, at.step))) return;
  await sleep(at.extraMs);
}

/** The pid of a process that has exited and been reaped. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  return r.pid!;
}

async function signalTrial(ctx: TrialContext, sig: 'SIGKILL' | 'SIGTERM'): Promise<Trial> {
  // Seeds 1, 4, 7, … hit start-up (a drawn share of the reference's time to its first line); the others a drawn step.
  const startUp = (ctx.seed - 1) % 3 === 0;
  const delay = Math.round(ctx.rng.next() * ctx.ref.startMs);
  const at = drawStep(ctx);
  const t = newTrial(startUp ? `${sig} ${delay} ms after spawn` : `${sig} at step ${at.step} + ${at.extraMs} ms`);
  const e = experiment(ctx.dir, ctx.ref.steps);
  const p = freshStart(e);
  if (startUp) await sleep(delay);
  else await atStep(p, e, at);
  if (p.alive()) p.child.kill(sig);
  const x = await p.exit;
  const st = capture(e.runDir);
  if (sig === 'SIGKILL') {
    t.injected = x.signal === 'SIGKILL';
    t.landed = t.injected ? landedAt(st) : `the run ended first (exit ${x.code})`;
  } else if (x.signal === 'SIGTERM') {
    // Before the trainer's code has loaded and installed its handler, SIGTERM ends it like a kill.
    t.injected = true;
    t.landed = `${landedAt(st)} (before the handler: ended by the signal)`;
  } else if (x.code === 0 && !st.isRun) {
    t.injected = true;
    t.landed = 'start-up: stopped before the run folder was created';
  } else {
    t.injected = st.state === 'stopped';
    t.landed = t.injected ? `${landedAt(st)}, stopped cleanly` : `the run ended first (${st.state})`;
    if (t.injected) {
      if (x.code !== 0) t.problems.push(`a SIGTERM stop exited ${x.code}`);
      if (st.checkpoints.at(-1)?.step !== st.step) t.problems.push(`stopped at step ${st.step} without a checkpoint there (last: ${st.checkpoints.at(-1)?.step})`);
    }
  }
  if (st.isRun && st.warnings.some((w) => !/incomplete/.test(w))) t.problems.push(`after the fault the log reads with: ${st.warnings.join('; ')}`);
  return recover(t, e);
}

const killFault: Fault = {
  id: 'kill',
  title: 'SIGKILL',
  describe: '`kill -9` at a drawn moment: for seeds 1, 4, 7, … in start-up (a drawn share of the time the uninterrupted run took to log its first line), for the others at a drawn step plus up to 40 ms; recovered with `train --resume`, or the same start again when it came before the run folder existed.',
  run: (ctx) => signalTrial(ctx, 'SIGKILL'),
};

const termFault: Fault = {
  id: 'term',
  title: 'SIGTERM',
  describe: 'SIGTERM at a moment drawn as for SIGKILL: a clean stop (state `stopped`, exit 0, a checkpoint at the step where it stopped; before the run folder is touched, nothing starts), then `train --resume`.',
  run: (ctx) => signalTrial(ctx, 'SIGTERM'),
};

/**
 * The toy template with a fault switch: with GANWB_FAULT_NAN_AFTER=K set,
 * D's output turns NaN from its (K+1)-th call on a training batch; without
 * it, the template's model, call for call (a resume without the variable
 * trains exactly as the template would).
 */
function nanModel(): string {
  const src = fs.readFileSync(TEMPLATE_MODEL, 'utf8');
  const plain = 'apply: (x: tf.Tensor2D) => net.apply(x),';
  if (!src.includes(plain)) throw new Error(`${TEMPLATE_MODEL} changed: bench/faultlib/trials.ts cannot find '${plain}' to wrap`);
  const faulty = [
    'apply: (x: tf.Tensor2D) => {',
    '      const out = net.apply(x);',
    "      if (x.shape[0] === Number(process.env.GANWB_FAULT_ROWS) && ++faultCalls > Number(process.env.GANWB_FAULT_NAN_AFTER ?? 'Infinity')) return tf.mul(out, NaN) as tf.Tensor2D;",
    '      return out;',
    '    },',
  ].join('\n');
  return src.replace(plain, faulty) + '\nlet faultCalls = 0;\n';
}

const nanFault: Fault = {
  id: 'nan',
  title: 'NaN',
  describe: 'the model\'s D returns NaN from a drawn call on (a model file with a fault switch, no hook in the trainer): the run must end `diverged` (exit 4) with a diagnosis naming the quantity, no checkpoint at or after that step and the last good one intact; then `train --resume` without the fault completes it.',
  async run(ctx) {
    // gan-ns calls D on a training batch three times a step (real and fake for D's update, fake for G's).
    const after = 1 + ctx.rng.int(3 * ctx.ref.steps - 4);
    const t = newTrial(`NaN after ${after} D calls`);
    const e = experiment(ctx.dir, ctx.ref.steps, nanModel());
    const x = await freshStart(e, { env: { GANWB_FAULT_NAN_AFTER: String(after), GANWB_FAULT_ROWS: String(ctx.ref.cfg.training.batchSize) } }).exit;
    const st = capture(e.runDir);
    t.injected = x.code === 4 || st.state === 'diverged';
    const m = /diverged at step (\d+): (.+) is not finite/.exec(st.error ?? '');
    t.landed = m ? `step ${m[1]}: ${m[2]}` : `exit ${x.code}, ${st.state}: ${st.error ?? ''}`;
    if (x.code !== 4) t.problems.push(`exit ${x.code}, expected 4 (diverged)`);
    if (st.state !== 'diverged') t.problems.push(`state ${st.state}, expected diverged`);
    if (!m) t.problems.push(`the diagnosis does not name a non-finite quantity: ${st.error}`);
    const at = m ? Number(m[1]) : 0;
    if (st.checkpoints.some((c) => c.step >= at)) t.problems.push(`a checkpoint at or after the divergence (step ${at})`);
    if (at > ctx.ref.cfg.logging.checkpointEvery && !latestGoodCheckpoint(e.runDir)) t.problems.push('no good checkpoint left before the divergence');
    if (st.lines.some((l) => (JSON.parse(l) as { step: number }).step >= at)) t.problems.push('a metrics line at or after the divergence');
    const ref = new Map(ctx.ref.final.lines.map((l) => [(JSON.parse(l) as { step: number }).step, comparable(l)]));
    const changed = st.lines.filter((l) => ref.get((JSON.parse(l) as { step: number }).step) !== comparable(l)).length;
    if (changed) t.problems.push(`${changed} line(s) before the divergence differ from the uninterrupted run`);
    return recover(t, e);
  },
};

const diskFault: Fault = {
  id: 'disk',
  title: 'disk full (tmpfs)',
  describe: 'the run folder lives on a tmpfs of a drawn size (smaller than the finished run needs); every write past it fails with ENOSPC. The trainer must fail without damaging what it wrote; a retry on the still-full disk must not damage it either; after the tmpfs is grown (`mount -o remount,size=64m`), `train --resume` completes the run.',
  async run(ctx) {
    const sizeKiB = 4 * (3 + ctx.rng.int(Math.max(1, Math.floor((0.8 * ctx.ref.usageKiB) / 4))));
    const t = newTrial(`tmpfs of ${sizeKiB} KiB`);
    if (!ctx.mount) {
      t.landed = 'tmpfs could not be mounted';
      t.final = capture(path.join(ctx.dir, 'none'));
      return t;
    }
    const mnt = path.join(ctx.dir, 'mnt');
    fs.mkdirSync(mnt);
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKiB}k`, 'tmpfs', mnt]);
    try {
      const e = experiment(ctx.dir, ctx.ref.steps, undefined, path.join(mnt, 'run'));
      const x = await freshStart(e).exit;
      const st = capture(e.runDir);
      t.injected = x.code !== 0;
      const why = /E(NOSPC|FBIG)[^\n]*/.exec(x.stderr)?.[0] ?? tail(x.stderr, 1);
      t.landed = t.injected ? `${landedAt(st)}: ${why}` : `the run fitted (exit ${x.code})`;
      if (t.injected) {
        // A retry while the disk is still full: it may fail, but must not damage anything.
        const retry = await recoverOnce(t, e);
        t.extraStates.push(capture(e.runDir));
        if (retry.code === 0) t.recovery += ' (the retry found room)';
      }
      execFileSync('mount', ['-o', 'remount,size=64m', mnt]);
      return await recover(t, e);
    } finally {
      execFileSync('umount', [mnt]);
    }
  },
};

const fsizeFault: Fault = {
  id: 'fsize',
  title: 'write fails (ulimit -f)',
  describe: 'the trainer runs under `ulimit -f` of a drawn size: the first write that would make a file larger fails with EFBIG (a short write first, then the error). The trainer must fail without damaging the folder; `train --resume` without the limit completes the run.',
  async run(ctx) {
    const limit = 1 + ctx.rng.int(70);
    const t = newTrial(`ulimit -f ${limit} (KiB)`);
    const e = experiment(ctx.dir, ctx.ref.steps);
    const x = await freshStart(e, { fileLimitKiB: limit }).exit;
    const st = capture(e.runDir);
    t.injected = x.code !== 0;
    const why = /E(NOSPC|FBIG)[^\n]*/.exec(x.stderr)?.[0] ?? tail(x.stderr, 1);
    t.landed = t.injected ? `${landedAt(st)}: ${why}` : `the run fitted (exit ${x.code})`;
    if (st.isRun && st.warnings.length) t.problems.push(`after the failed write the log reads with: ${st.warnings.join('; ')}`);
    return recover(t, e);
  },
};

const tornFault: Fault = {
  id: 'torn',
  title: 'torn metrics line',
  describe: 'SIGKILL at a drawn step (plus up to 40 ms), then a drawn prefix of a real next line (no newline) appended to metrics.jsonl, as a write cut by power loss would leave it. The reader must skip it with one warning and read every earlier line; `train --resume` must cut it and complete the run.',
  async run(ctx) {
    const at = drawStep(ctx);
    const frac = ctx.rng.next();
    const t = newTrial(`SIGKILL at step ${at.step} + ${at.extraMs} ms, then ${(100 * frac).toFixed(0)} % of a line`);
    const e = experiment(ctx.dir, ctx.ref.steps);
    const p = freshStart(e);
    await atStep(p, e, at);
    if (p.alive()) p.child.kill('SIGKILL');
    await p.exit;
    const st = capture(e.runDir);
    const next = ctx.ref.final.lines.find((l) => (JSON.parse(l) as { step: number }).step > lastStep(st)) ?? ctx.ref.final.lines.at(-1)!;
    const cut = 1 + Math.floor(frac * (next.length - 2));
    const file = path.join(e.runDir, RUN_FILES.metrics);
    fs.appendFileSync(file, next.slice(0, cut));
    t.injected = true;
    t.landed = `${landedAt(st)}, ${cut} of ${next.length} bytes`;
    const m = readMetrics(file);
    if (m.records.length !== st.records) t.problems.push(`with the torn line the reader returns ${m.records.length} records, ${st.records} before`);
    if (m.warnings.length !== 1 || !/incomplete/.test(m.warnings[0])) t.problems.push(`reader warnings: ${m.warnings.join('; ') || 'none'}`);
    await recover(t, e);
    if (t.recovered && !/removed a torn last line/.test(t.stderr)) t.problems.push('the resume did not report cutting the torn line');
    return t;
  },
};

/**
 * Connect to a trainer's socket, retrying while it is alive: the socket file
 * of a killed trainer stays until the next trainer replaces it (connections
 * to it are refused), as the extension's client also expects.
 */
async function connect(socket: string, alive: () => boolean): Promise<net.Socket> {
  for (;;) {
    const sock = net.connect(socket);
    const ok = await new Promise<boolean>((r) => {
      sock.once('connect', () => r(true));
      sock.once('error', () => r(false));
    });
    if (ok) {
      sock.on('error', () => {});
      return sock;
    }
    sock.destroy();
    if (!alive()) throw new Error(`the trainer ended before its socket ${socket} accepted a connection`);
    await sleep(20);
  }
}

/** Pause the trainer that owns `runDir`, start a second one on the folder (it must be refused), resume the first. */
async function refusedWhileLive(runDir: string, sock: net.Socket, owner: Trainer, problems: string[]): Promise<string> {
  let result = 'second trainer not tried (the resume ended before it paused)';
  writeNdjson(sock, { type: 'control', action: 'pause' });
  if (await waitFor(() => readRunFolder(runDir).status.state === 'paused', 30_000, owner.alive)) {
    const r2 = await startTrainer(['train', '--resume', runDir]).exit;
    result = `second trainer → exit ${r2.code}`;
    if (r2.code !== 5 || !/already being trained/.test(r2.stderr)) problems.push(`a second trainer on a live run: exit ${r2.code} (${tail(r2.stderr, 1)}), expected 5`);
  }
  writeNdjson(sock, { type: 'control', action: 'resume' });
  sock.end();
  return result;
}

const STALE_KINDS = ['dead pid', 'torn JSON', 'empty file'] as const;

const staleFault: Fault = {
  id: 'stale',
  title: 'stale lock',
  describe: 'SIGKILL at a drawn step (plus up to 40 ms), then lock.json replaced by a drawn stale kind: the pid of a process that has exited, a torn JSON, or an empty file. Readers must see the run as not live; `train --resume` must clear the lock and complete. While that resume holds the lock (paused through its control socket), a second `train --resume` must be refused with exit 5.',
  async run(ctx) {
    const at = drawStep(ctx);
    const kind = STALE_KINDS[ctx.rng.int(STALE_KINDS.length)];
    const t = newTrial(`SIGKILL at step ${at.step} + ${at.extraMs} ms, lock: ${kind}`);
    const e = experiment(ctx.dir, ctx.ref.steps);
    const p = freshStart(e);
    await atStep(p, e, at);
    if (p.alive()) p.child.kill('SIGKILL');
    await p.exit;
    const lockFile = path.join(e.runDir, RUN_FILES.lock);
    const pid = deadPid();
    fs.writeFileSync(lockFile, kind === 'dead pid' ? JSON.stringify({ pid, socket: '/tmp/ganwb-gone.sock', startedAt: new Date().toISOString() }) + '\n' : kind === 'torn JSON' ? '{"pid":' : '');
    const st = capture(e.runDir);
    t.injected = true;
    t.landed = landedAt(st);
    if (readRunFolder(e.runDir).live) t.problems.push('a stale lock reads as a live trainer');
    // Recover, and meanwhile try a second trainer on the same folder.
    const from = latestGoodCheckpoint(e.runDir)?.manifest.step ?? 0;
    t.before.push({ state: st, resumedFrom: from });
    const r1 = startTrainer(['train', '--resume', e.runDir]);
    const owned = () => readLock(e.runDir)?.pid === r1.child.pid && fs.existsSync(readLock(e.runDir)!.socket);
    const sock = (await waitFor(owned, 60_000, r1.alive)) ? await connect(readLock(e.runDir)!.socket, r1.alive).catch(() => undefined) : undefined;
    const second = sock ? await refusedWhileLive(e.runDir, sock, r1, t.problems) : 'second trainer not tried (the resume ended first)';
    const x = await r1.exit;
    t.recovery = `resume from step ${from} → exit ${x.code ?? x.signal}; ${second}`;
    t.recovered = x.code === 0;
    if (!t.recovered) t.problems.push(`recovery failed: ${tail(x.stderr)}`);
    t.final = capture(e.runDir);
    return t;
  },
};

type Seen = { type: TrainerMessage['type']; step?: number; records?: string[]; state?: string };

/** A controller like the extension's (the same TrainerClient), recording what arrives. */
function controller(runDir: string, seen: Seen[], gone: () => void): TrainerClient {
  return new TrainerClient({
    runDir,
    log: silentLogger,
    retryDelaysMs: [50, 100, 200],
    onGone: gone,
    handlers: {
      hello: () => seen.push({ type: 'hello' }),
      status: (m) => seen.push({ type: 'status', step: m.status.step, state: m.status.state }),
      metrics: (m) => seen.push({ type: 'metrics', records: m.records.map((r) => JSON.stringify(r)) }),
      snapshot: () => seen.push({ type: 'snapshot' }),
      log: () => seen.push({ type: 'log' }),
      ended: (m) => seen.push({ type: 'ended', step: m.step, state: m.state }),
    },
  });
}

const reloadFault: Fault = {
  id: 'reload',
  title: 'window reload',
  describe: 'a controller (the extension\'s own TrainerClient) attached to a training disconnects at a drawn step (plus up to 40 ms) and a new one connects after a drawn gap, as a window reload does. The run must go on; the new controller must get `hello` and the current status first, then every record from there on, each equal to the folder\'s line, and the end; the folder must hold every step.',
  async run(ctx) {
    const at = drawStep(ctx);
    const gap = Math.round(ctx.rng.next() * 500);
    const t = newTrial(`disconnect at step ${at.step} + ${at.extraMs} ms, reconnect ${gap} ms later`);
    const e = experiment(ctx.dir, ctx.ref.steps);
    const p = freshStart(e);
    const ready = () => {
      const l = readLock(e.runDir);
      return l !== undefined && fs.existsSync(l.socket);
    };
    if (!(await waitFor(ready, 120_000, p.alive))) throw new Error(`the trainer never opened its socket: ${tail((await p.exit).stderr)}`);
    const a: Seen[] = [];
    const ca = controller(e.runDir, a, () => {});
    ca.start();
    await atStep(p, e, at);
    ca.dispose();
    const aLast = a.flatMap((m) => m.records ?? []).map((r) => (JSON.parse(r) as { step: number }).step).at(-1) ?? 0;
    await sleep(gap);
    t.injected = p.alive();
    const b: Seen[] = [];
    let goneB = false;
    const cb = controller(e.runDir, b, () => (goneB = true));
    cb.start();
    const x = await p.exit;
    await waitFor(() => goneB || b.some((m) => m.type === 'ended'), 5_000);
    cb.dispose();
    t.landed = t.injected ? `step ${aLast} (last record the first controller saw)` : 'the run ended first';
    t.recovery = 'none needed (the trainer kept running)';
    t.recovered = x.code === 0;
    if (x.code !== 0) t.problems.push(`the trainer exited ${x.code}: ${tail(x.stderr)}`);
    t.final = capture(e.runDir);
    if (!t.injected) return t;
    if (b[0]?.type !== 'hello' || b[1]?.type !== 'status') t.problems.push(`the reconnected controller's first messages: ${b.slice(0, 2).map((m) => m.type).join(', ') || 'none'}`);
    if ((b[1]?.step ?? -1) < aLast) t.problems.push(`reconnected status says step ${b[1]?.step}, the first controller had seen ${aLast}`);
    const ended = b.find((m) => m.type === 'ended');
    if (ended?.state !== 'completed' || ended.step !== ctx.ref.steps) t.problems.push(`the reconnected controller's end: ${ended ? `${ended.state} at ${ended.step}` : 'none'}`);
    // Every record the new controller got is the folder's line, and they run without a gap to the end.
    const onDisk = new Map(t.final.lines.map((l) => [(JSON.parse(l) as { step: number }).step, JSON.stringify(JSON.parse(l))]));
    const got = b.flatMap((m) => m.records ?? []);
    const mismatched = got.filter((r) => onDisk.get((JSON.parse(r) as { step: number }).step) !== r).length;
    if (mismatched) t.problems.push(`${mismatched} record(s) sent to the reconnected controller differ from the folder's lines`);
    const steps = got.map((r) => (JSON.parse(r) as { step: number }).step);
    const expected = [...onDisk.keys()].filter((s) => steps.length > 0 && s >= steps[0]);
    if (steps.join() !== expected.join()) t.problems.push(`the reconnected controller got steps ${steps[0]}..${steps.at(-1)} with gaps or repeats (${steps.length} records, the folder has ${expected.length} in that range)`);
    t.landed += `; the new controller got ${got.length} records from step ${steps[0] ?? '–'}`;
    return t;
  },
};

export const FAULTS: readonly Fault[] = [killFault, termFault, nanFault, diskFault, fsizeFault, tornFault, staleFault, reloadFault];
