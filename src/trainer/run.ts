/**
 * One training run in one run folder: config and model checks, lock, control
 * socket, the loop, and what it writes (status, metrics, snapshots,
 * checkpoints). `resume` continues a run folder from its last good checkpoint.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { imageShapeOf, LOWER_IS_BETTER, parseConfigText, type BackendChoice, type ResolvedConfig } from '../protocol/config';
import type { ControlMessage, TrainerMessage } from '../protocol/messages';
import type { MetricRecord, Snapshot } from '../protocol/metrics';
import { PROTOCOL_VERSION } from '../protocol/messages';
import { RUN_FILES, snapshotFileName, type BackendInfo, type RunState, type RunStatus } from '../protocol/run';
import { removeStaleTemporaries, writeFileAtomic, writeJsonAtomic } from '../runfolder/atomic';
import { latestGoodCheckpoint, pruneCheckpoints, removeCheckpointsAfter, writeCheckpoint, type Checkpoint } from '../runfolder/checkpoints';
import { acquireLock, releaseLock } from '../runfolder/lock';
import { MetricsWriter, repairTornTail, truncateMetricsAfter } from '../runfolder/metricsLog';
import { listSnapshotSteps } from '../runfolder/read';
import { socketPathFor } from '../runfolder/socket';
import { pickBackend } from './backend';
import { captureState, restoreState } from './checkpoint';
import { compileAndLoad, type ModelBuilders } from './compile';
import { GpuSelfCheckError, webgpuTrainer } from './gpuSelfCheck';
import { loadTrainingData } from './data/index';
import { gridPng } from './imageSnapshot';
import { ImageQuality } from './metrics/imageQuality';
import { DivergedError, GanTrainer } from './loop';
import { ControlServer } from './server';

export interface TrainOptions {
  configPath: string;
  runDir: string;
  steps?: number;
  seed?: number;
  backend?: BackendChoice;
  /**
   * Continue the run in `runDir` from its last good checkpoint, with the
   * folder's own config.json and model.ts (configPath is then ignored).
   */
  resume?: boolean;
  /** Messages also go here (the CLI prints progress). */
  onMessage?: (m: TrainerMessage) => void;
}

export const EXIT = { ok: 0, crash: 1, config: 2, compile: 3, diverged: 4, locked: 5 } as const;

/** Read, validate and override a config file. Throws ConfigError. */
export function loadConfig(configPath: string, o: Pick<TrainOptions, 'steps' | 'seed' | 'backend'> = {}): ResolvedConfig {
  const cfg = parseConfigText(fs.readFileSync(configPath, 'utf8'), configPath);
  if (o.steps !== undefined) cfg.training.steps = o.steps;
  if (o.seed !== undefined) cfg.training.seed = o.seed;
  if (o.backend !== undefined && o.backend !== 'auto') cfg.backend = o.backend;
  // The run folder keeps this config; resumed from there, a relative folder would point elsewhere.
  if (cfg.data.kind === 'folder') cfg.data = { ...cfg.data, path: path.resolve(path.dirname(configPath), cfg.data.path) };
  return cfg;
}

export function modelPath(configPath: string, cfg: ResolvedConfig): string {
  return path.resolve(path.dirname(configPath), cfg.model.file);
}

/** Minimum time between metric batches sent to controllers. */
const SEND_INTERVAL_MS = 250;
const STATUS_INTERVAL_MS = 1000;
/** How long the loop may run before it yields to the event loop (control messages). */
const YIELD_INTERVAL_MS = 25;

export class Run {
  private status: RunStatus;
  private paused = false;
  private stopRequested = false;
  private sampleRequested = false;
  private resumeWaiter?: () => void;
  private server?: ControlServer;
  private metrics?: MetricsWriter;
  private pending: MetricRecord[] = [];
  private lastSend = 0;
  private lastStatusWrite = 0;
  private backend?: BackendInfo;
  /** Resuming: the checkpoint training continues from (undefined: from step 0). */
  private from?: Checkpoint;
  /** Latest logged value of the metric that ranks checkpoints. */
  private bestMetricValue?: { value: number; step: number };

  constructor(
    private readonly cfg: ResolvedConfig,
    private readonly builders: ModelBuilders,
    private readonly modelSource: string,
    private readonly o: TrainOptions,
  ) {
    const now = new Date().toISOString();
    this.status = { state: 'starting', step: 0, totalSteps: cfg.training.steps, pid: process.pid, startedAt: now, updatedAt: now };
  }

  private get runId(): string {
    return path.basename(path.resolve(this.o.runDir));
  }

  private file(name: string): string {
    return path.join(this.o.runDir, name);
  }

  private emit(m: TrainerMessage): void {
    this.server?.broadcast(m);
    this.o.onMessage?.(m);
  }

  private setStatus(patch: Partial<RunStatus>, force = false): void {
    this.status = { ...this.status, ...patch, updatedAt: new Date().toISOString() };
    const now = Date.now();
    if (force || now - this.lastStatusWrite >= STATUS_INTERVAL_MS) {
      this.lastStatusWrite = now;
      writeJsonAtomic(this.file(RUN_FILES.status), this.status);
      this.emit({ type: 'status', status: this.status });
    }
  }

  private greeting(): TrainerMessage[] {
    const hello: TrainerMessage[] = this.backend
      ? [{ type: 'hello', protocol: PROTOCOL_VERSION, runId: this.runId, pid: process.pid, backend: this.backend, totalSteps: this.cfg.training.steps }]
      : [];
    return [...hello, { type: 'status', status: this.status }];
  }

  private control(m: ControlMessage): void {
    switch (m.action) {
      case 'pause':
        if (this.status.state === 'running') {
          this.paused = true;
          this.setStatus({ state: 'paused' }, true);
        }
        break;
      case 'resume':
        this.paused = false;
        this.resumeWaiter?.();
        break;
      case 'stop':
        this.stopRequested = true;
        this.paused = false;
        this.resumeWaiter?.();
        break;
      case 'sampleNow':
        this.sampleRequested = true;
        break;
    }
  }

  /** Ask the loop to stop at the next step boundary (SIGTERM/SIGINT). */
  requestStop(): void {
    this.control({ type: 'control', action: 'stop' });
  }

  private record(r: MetricRecord): void {
    const m = this.cfg.logging.bestMetric;
    const v = m === 'none' ? undefined : r[m];
    if (typeof v === 'number' && Number.isFinite(v)) this.bestMetricValue = { value: v, step: r.step };
    this.metrics!.append([r]);
    this.pending.push(r);
    this.flushMessages(false);
  }

  private flushMessages(force: boolean): void {
    const now = Date.now();
    if (this.pending.length && (force || now - this.lastSend >= SEND_INTERVAL_MS)) {
      this.emit({ type: 'metrics', records: this.pending });
      this.pending = [];
      this.lastSend = now;
    }
  }

  private saveSnapshot(s: Snapshot): void {
    // The PNG first: a snapshot JSON that names a PNG finds it there.
    if (s.kind === 'images' && s.png) writeFileAtomic(path.join(this.file(RUN_FILES.samples), s.png), gridPng(s.fake));
    writeJsonAtomic(path.join(this.file(RUN_FILES.samples), snapshotFileName(s.step)), s);
    this.emit({ type: 'snapshot', snapshot: s });
  }

  /**
   * Take the folder and the socket, write the run's identity. When that
   * fails part way (a full disk), the lock and socket are given back: what
   * was written stays a folder a retry can take.
   */
  async open(): Promise<void> {
    // The backend first: when none can start (a forced webgpu without a GPU, say) nothing is
    // written, as with a bad config. It is known before anyone can connect, so every
    // controller's first message is `hello`.
    this.backend = await pickBackend(this.cfg.backend, { imageData: imageShapeOf(this.cfg.data) !== undefined });
    try {
      await (this.o.resume ? this.openResume() : this.openFresh());
    } catch (e) {
      await this.server?.close().catch(() => {});
      releaseLock(this.o.runDir);
      throw e;
    }
  }

  private async openFresh(): Promise<void> {
    fs.mkdirSync(this.o.runDir, { recursive: true });
    if (fs.existsSync(this.file(RUN_FILES.config))) {
      throw new Error(`${this.o.runDir} already holds a run (config.json exists); choose a new --run-dir`);
    }
    const socket = socketPathFor(this.o.runDir);
    acquireLock(this.o.runDir, { pid: process.pid, socket, startedAt: this.status.startedAt });
    this.removeLeftovers();
    fs.mkdirSync(this.file(RUN_FILES.samples), { recursive: true });
    // config.json makes the folder a run (resume looks for it), so it comes
    // last and both go in atomically: a run folder always holds the whole
    // model a resume compiles, never a torn one.
    writeFileAtomic(this.file(RUN_FILES.model), this.modelSource);
    writeJsonAtomic(this.file(RUN_FILES.config), this.cfg);
    this.metrics = new MetricsWriter(this.file(RUN_FILES.metrics));
    this.setStatus({}, true);
    this.server = new ControlServer(socket, (m) => this.control(m), () => this.greeting(), (w) => process.stderr.write(w + '\n'));
    await this.server.listen();
  }

  /** Temporaries of atomic writes that a killed trainer left (we hold the lock: no other trainer writes here). */
  private removeLeftovers(): void {
    removeStaleTemporaries(this.o.runDir);
    removeStaleTemporaries(this.file(RUN_FILES.samples));
  }

  private warn(message: string): void {
    process.stderr.write(`warning: ${message}\n`);
    this.emit({ type: 'log', level: 'warn', message });
  }

  /**
   * Take an existing run folder back: lock first (nothing is touched while
   * another trainer owns it), then cut what lies past the checkpoint so the
   * step numbering continues with no gap and no duplicate: a torn metrics
   * line, metric records and snapshots with step > the checkpoint's, and
   * checkpoints after it (damaged ones). Lines up to the checkpoint's step
   * are never lost: metrics.jsonl is rewritten atomically, and only when
   * something has to go.
   */
  private async openResume(): Promise<void> {
    const dir = this.o.runDir;
    if (!fs.existsSync(this.file(RUN_FILES.config))) throw new Error(`${dir} is not a run folder (config.json is missing); nothing to resume`);
    const socket = socketPathFor(dir);
    acquireLock(dir, { pid: process.pid, socket, startedAt: new Date().toISOString() });
    this.removeLeftovers();
    const warnings: string[] = [];
    this.from = latestGoodCheckpoint(dir, (w) => warnings.push(w));
    const step = this.from?.manifest.step ?? 0;
    if (!this.from) warnings.push('no usable checkpoint: resuming from step 0 (the initial weights follow from the seed)');
    if (this.from && this.from.manifest.seed !== this.cfg.training.seed) throw new Error(`checkpoint seed ${this.from.manifest.seed} differs from config.json's ${this.cfg.training.seed}`);
    removeCheckpointsAfter(dir, step);
    const metricsFile = this.file(RUN_FILES.metrics);
    const cut = repairTornTail(metricsFile);
    if (cut > 0) warnings.push(`metrics.jsonl: removed a torn last line (${cut} bytes)`);
    const dropped = truncateMetricsAfter(metricsFile, step);
    if (dropped > 0) warnings.push(`metrics.jsonl: dropped ${dropped} record(s) after step ${step}, which the checkpoint does not cover`);
    fs.mkdirSync(this.file(RUN_FILES.samples), { recursive: true });
    for (const s of listSnapshotSteps(dir)) if (s > step) fs.rmSync(path.join(this.file(RUN_FILES.samples), snapshotFileName(s)), { force: true });
    let startedAt = this.status.startedAt;
    try {
      startedAt = (JSON.parse(fs.readFileSync(this.file(RUN_FILES.status), 'utf8')) as RunStatus).startedAt ?? startedAt;
    } catch {
      /* no readable status: the resume's start stands */
    }
    this.status = { ...this.status, step, startedAt };
    this.metrics = new MetricsWriter(metricsFile);
    this.setStatus({}, true);
    this.server = new ControlServer(socket, (m) => this.control(m), () => this.greeting(), (w) => process.stderr.write(w + '\n'));
    await this.server.listen();
    for (const w of warnings) this.warn(w);
    this.emit({ type: 'log', level: 'info', message: `resuming at step ${step} of ${this.cfg.training.steps}${this.from ? ` from ${path.basename(this.from.dir)}` : ''}` });
  }

  /**
   * Save the training state at `step`, after flushing the metrics it covers;
   * then prune. A failed write (disk full) is reported and training goes on:
   * the previous checkpoints are still there.
   */
  private async checkpoint(trainer: GanTrainer, step: number, time: number): Promise<void> {
    try {
      this.metrics?.sync();
      const { arrays, variantState } = await captureState(trainer.checkpointParts());
      const m = this.cfg.logging.bestMetric;
      writeCheckpoint(
        this.o.runDir,
        {
          step,
          time,
          seed: this.cfg.training.seed,
          variant: this.cfg.variant,
          optimizer: this.cfg.training.optimizer,
          ...(this.backend ? { backend: this.backend.name } : {}),
          ...(variantState ? { variantState } : {}),
          ...(m !== 'none' && this.bestMetricValue ? { metric: { name: m, ...this.bestMetricValue } } : {}),
        },
        arrays,
      );
      pruneCheckpoints(this.o.runDir, this.cfg.logging.keepCheckpoints, m === 'none' ? undefined : LOWER_IS_BETTER[m]);
    } catch (e) {
      this.warn(`checkpoint at step ${step} not written: ${(e as Error).message}`);
    }
  }

  /**
   * The trainer on the picked backend. On webgpu it is built after the
   * gradient self-check against the cpu backend (gpuSelfCheck.ts): wrong
   * numbers stop the run; a variant that WebGPU cannot run falls back to
   * wasm when the backend was 'auto', and stops the run when it was forced.
   */
  private async makeTrainer(): Promise<GanTrainer> {
    const data = loadTrainingData(this.cfg.data);
    if (this.backend?.name !== 'webgpu') return new GanTrainer(this.cfg, this.builders, { data });
    const t0 = performance.now();
    try {
      const { trainer, check, reference } = await webgpuTrainer(this.cfg, this.builders, data);
      this.emit({
        type: 'log',
        level: 'info',
        message: `webgpu gradient self-check passed: ${check.variables} gradients within ${(100 * check.relError).toPrecision(2)} % of the ${reference} backend's (largest: ${check.worst}) in ${Math.round(performance.now() - t0)} ms`,
      });
      return trainer;
    } catch (e) {
      if (!(e instanceof GpuSelfCheckError) || e.wrongNumbers || this.cfg.backend !== 'auto') throw e;
      const fallback = await pickBackend('wasm', { imageData: imageShapeOf(this.cfg.data) !== undefined });
      this.backend = { name: fallback.name, reason: `auto: webgpu passed over: ${e.message}; ${this.backend.reason}` };
      this.warn(`webgpu passed over: ${e.message}; training on ${fallback.name}`);
      this.setStatus({ backend: this.backend }, true);
      return new GanTrainer(this.cfg, this.builders, { data });
    }
  }

  async train(): Promise<RunState> {
    this.o.onMessage?.(this.greeting()[0]);
    this.setStatus({ state: 'running', backend: this.backend }, true);
    const trainer = await this.makeTrainer();
    const { steps } = this.cfg.training;
    const { metricsEvery, samplesEvery, checkpointEvery, imageMetricsEvery } = this.cfg.logging;
    let imageQuality: ImageQuality | undefined;
    if (trainer.data.image && imageMetricsEvery > 0) {
      try {
        imageQuality = await ImageQuality.create(this.cfg.data, trainer.data.image, trainer.evalRealSamples, this.cfg.logging.evalSamples, this.cfg.training.seed, this.cfg.logging.modeSamples);
      } catch (e) {
        trainer.dispose();
        throw e;
      }
    }
    const start = this.from?.manifest.step ?? 0;
    const resumeTime = this.from?.manifest.time ?? 0;
    if (this.from) {
      try {
        await restoreState(trainer.checkpointParts(), this.from.arrays, this.from.manifest.variantState);
      } catch (e) {
        trainer.dispose();
        throw e;
      }
      this.bestMetricValue = this.from.manifest.metric;
      this.from = undefined; // its arrays are in the trainer now
    }
    // `time` counts from the run's first start, across resumes.
    const t0 = performance.now() - 1000 * resumeTime;
    let windowStart = performance.now();
    let windowSteps = 0;
    let lastYield = t0;
    let end: RunState = 'completed';
    try {
      for (let s = start; s < steps; s++) {
        if (this.paused) {
          await new Promise<void>((r) => (this.resumeWaiter = r));
          this.resumeWaiter = undefined;
          if (!this.stopRequested) this.setStatus({ state: 'running' }, true);
        }
        if (this.stopRequested) {
          end = 'stopped';
          break;
        }
        const done = s + 1;
        const last = done === steps;
        // Only logged steps pay for measuring the update sizes (a copy of each network's weights).
        trainer.measureUpdates = done % metricsEvery === 0 || done === 1 || last;
        const st = await trainer.step(s);
        windowSteps++;
        // Samples generated for the metrics record are reused by a snapshot at the same step.
        let fake: Float32Array | undefined;
        // Image metrics take seconds: at their own interval (and at the first and last step), each time with a metrics record.
        const imageMetrics = imageQuality !== undefined && (done % imageMetricsEvery === 0 || done === 1 || last);
        if (done % metricsEvery === 0 || done === 1 || last || imageMetrics) {
          const now = performance.now();
          const stepsPerSec = (1000 * windowSteps) / Math.max(1e-6, now - windowStart);
          fake = await trainer.generateEval();
          const images = imageMetrics ? await imageQuality!.measure(fake, this.cfg.logging.evalSamples, (n, i) => trainer.generate(n, i), trainer.evalClassNames) : {};
          this.record({ step: done, time: (now - t0) / 1000, ...st, ...trainer.quality(fake), ...(await trainer.lipschitz(fake)), ...images, stepsPerSec });
          this.setStatus({ step: done, stepsPerSec });
          // The evaluation's time is not training time: the next window starts after it.
          windowStart = performance.now();
          windowSteps = 0;
        }
        if (done % samplesEvery === 0 || last || this.sampleRequested) {
          this.sampleRequested = false;
          this.saveSnapshot(await trainer.snapshot(done, fake));
        }
        this.status.step = done;
        if (done % checkpointEvery === 0 && !last) await this.checkpoint(trainer, done, (performance.now() - t0) / 1000);
        if (performance.now() - lastYield > YIELD_INTERVAL_MS) {
          this.flushMessages(false);
          await new Promise((r) => setImmediate(r));
          lastYield = performance.now();
        }
      }
      // Every clean end (completed, stopped) leaves a checkpoint of where it ended.
      await this.checkpoint(trainer, this.status.step, (performance.now() - t0) / 1000);
    } catch (e) {
      if (!(e instanceof DivergedError)) throw e;
      end = 'diverged';
      this.status.error = e.message;
    } finally {
      trainer.dispose();
      imageQuality?.dispose();
    }
    return end;
  }

  /** Write the end state, tell controllers, release everything. */
  async close(state: RunState, error?: string): Promise<void> {
    this.flushMessages(true);
    try {
      this.metrics?.sync();
      this.metrics?.close();
    } catch {
      /* already closed */
    }
    this.setStatus({ state, ...(error ? { error } : {}) }, true);
    this.emit({ type: 'ended', state, step: this.status.step, ...(this.status.error ? { error: this.status.error } : {}) });
    await new Promise((r) => setTimeout(r, 50)); // let the last lines reach the sockets
    await this.server?.close();
    releaseLock(this.o.runDir);
  }
}

/** Validate, compile, train. Returns the process exit code. */
export async function train(o: TrainOptions): Promise<{ code: number; state?: RunState; message?: string }> {
  // SIGTERM/SIGINT are handled from the start, so that one arriving while
  // the model compiles or the run folder opens is a clean stop too, not a
  // kill that leaves a stale lock: before the folder is touched, nothing is
  // started; once the run exists, it stops at its first step boundary with
  // a checkpoint, like any stop.
  let run: Run | undefined;
  let stopAsked = false;
  const onSignal = () => {
    stopAsked = true;
    run?.requestStop();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    if (o.resume) {
      // The run folder's own copies: the config as resolved at the start, and the model source it trained.
      o = { ...o, configPath: path.join(o.runDir, RUN_FILES.config) };
      if (o.seed !== undefined) throw new Error('--seed cannot change on resume: the seed decides every random draw of the run');
    }
    const cfg = loadConfig(o.configPath, o);
    const file = o.resume ? path.join(o.runDir, RUN_FILES.model) : modelPath(o.configPath, cfg);
    const builders = await compileAndLoad(file);
    if (stopAsked) return { code: EXIT.ok, message: 'stopped before the run started; the run folder was not touched' };
    run = new Run(cfg, builders, fs.readFileSync(file, 'utf8'), o);
    await run.open();
    try {
      const state = await run.train();
      await run.close(state);
      return { code: state === 'diverged' ? EXIT.diverged : EXIT.ok, state };
    } catch (e) {
      const message = (e as Error).stack ?? String(e);
      await run.close('failed', (e as Error).message);
      return { code: EXIT.crash, state: 'failed', message };
    }
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}
