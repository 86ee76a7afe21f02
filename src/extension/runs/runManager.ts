/**
 * The host's picture of every run: the run folders of all workspace folders
 * (plus any folder opened from elsewhere), and a trainer connection for each
 * live one. On a fresh window it finds live runs by their lock and
 * reattaches; it notices a dead trainer through its connection, records the
 * end the trainer could not write, and tells the views.
 *
 * No `vscode` import: the tree, the status bar and the dashboards subscribe
 * to its events; unit tests drive it against the fake trainer.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ResolvedConfig } from '../../protocol/config';
import type { MetricRecord, Snapshot } from '../../protocol/metrics';
import type { ControlAction, RunSummary } from '../../protocol/messages';
import { isLive, type BackendInfo, type RunStatus } from '../../protocol/run';
import { liveLock, pidAlive } from '../../runfolder/lock';
import { listRunDirs, readRunFolder, runSummary } from '../../runfolder/read';
import { Emitter, type Disposable, type Event } from '../emitter';
import type { Logger } from '../logger';
import { readStatusFile } from './exitState';
import { RecentMetrics } from './metricsMerge';
import { runsDirOf } from './runId';
import { TrainerClient, type GoneInfo } from './trainerClient';
import type { ExitInfo } from './trainerProcess';

export interface RunEntry {
  dir: string;
  id: string;
  summary: RunSummary;
  config?: ResolvedConfig;
  /** A live trainer owns the folder. */
  live: boolean;
  /** Connected to that trainer's socket. */
  connected: boolean;
  warnings: string[];
  /** Sort key: newest first. */
  created: number;
}

export type RunEvent =
  | { kind: 'metrics'; dir: string; records: MetricRecord[] }
  | { kind: 'snapshot'; dir: string; snapshot: Snapshot }
  | { kind: 'status'; dir: string; status: RunStatus }
  | { kind: 'log'; dir: string; level: 'info' | 'warn' | 'error'; message: string };

export interface RunEndedEvent {
  dir: string;
  id: string;
  status: RunStatus;
  /** The trainer did not record its end; the host did (killed, crashed). */
  recordedByHost: boolean;
  exit?: ExitInfo;
  /** This host spawned the trainer. */
  spawnedHere: boolean;
}

export interface RunManagerOptions {
  /** Workspace folder paths; runs live in <root>/.gan/runs. */
  roots: () => readonly string[];
  log: Logger;
  /** Coalescing delay of change events (ms). */
  changeDelayMs?: number;
  retryDelaysMs?: readonly number[];
  /** Live records kept per run for joining the folder and the stream. */
  recentCapacity?: number;
}

interface LiveState {
  client: TrainerClient;
  recent: RecentMetrics;
  snapshot?: Snapshot;
  /** Latest status from the trainer's messages (fresher than status.json). */
  status?: RunStatus;
  backend?: BackendInfo;
  spawnedHere: boolean;
}

export class RunManager implements Disposable {
  private readonly entries = new Map<string, RunEntry>();
  private readonly liveStates = new Map<string, LiveState>();
  /** Run folders outside the workspace that the user opened. */
  private readonly extraDirs = new Set<string>();
  private changeTimer: NodeJS.Timeout | undefined;
  private disposed = false;

  private readonly onListenerError = (e: unknown) => this.o.log.error(`listener failed: ${(e as Error)?.stack ?? String(e)}`);
  private readonly changeEmitter = new Emitter<void>(this.onListenerError);
  private readonly eventEmitter = new Emitter<RunEvent>(this.onListenerError);
  private readonly endedEmitter = new Emitter<RunEndedEvent>(this.onListenerError);
  /** The list or a run's state changed (coalesced). */
  readonly onDidChangeRuns: Event<void> = this.changeEmitter.event;
  /** Live messages of a run, validated, for dashboards. */
  readonly onRunEvent: Event<RunEvent> = this.eventEmitter.event;
  /** A watched trainer went away; its final status. */
  readonly onRunEnded: Event<RunEndedEvent> = this.endedEmitter.event;

  constructor(private readonly o: RunManagerOptions) {}

  /** Re-list every run folder; attach to live ones. */
  scan(): void {
    if (this.disposed) return;
    const seen = new Set<string>();
    for (const root of this.o.roots()) {
      for (const dir of listRunDirs(runsDirOf(root))) {
        seen.add(dir);
        this.load(dir);
      }
    }
    for (const dir of this.extraDirs) {
      seen.add(dir);
      this.load(dir);
    }
    for (const dir of [...this.entries.keys()]) {
      if (!seen.has(dir)) {
        this.entries.delete(dir);
        this.detach(dir);
      }
    }
    this.changed(0);
  }

  /** Re-read one run folder (a status.json or lock.json changed). */
  refresh(dir: string): void {
    if (this.disposed) return;
    dir = path.resolve(dir);
    if (!fs.existsSync(dir)) {
      if (this.entries.delete(dir)) this.changed();
      this.detach(dir);
      return;
    }
    const before = this.entries.get(dir)?.summary.status;
    const entry = this.load(dir);
    const after = entry.summary.status;
    if (!before || before.state !== after.state || before.step !== after.step || before.error !== after.error) {
      if (!entry.live || !entry.connected) this.eventEmitter.fire({ kind: 'status', dir, status: after });
    }
    this.changed();
  }

  /** Track a run folder outside the workspace (Open Run… from anywhere). */
  track(dir: string): RunEntry {
    dir = path.resolve(dir);
    if (!this.isInRoots(dir)) this.extraDirs.add(dir);
    const entry = this.load(dir);
    this.changed(0);
    return entry;
  }

  /**
   * A trainer this host just spawned (its lock is taken): attach with the
   * child's exit, so a kill is recorded with its signal.
   */
  adopt(dir: string, childExit: Promise<ExitInfo>): RunEntry {
    dir = path.resolve(dir);
    if (!this.isInRoots(dir)) this.extraDirs.add(dir);
    this.detach(dir);
    const entry = this.load(dir, childExit);
    this.changed(0);
    return entry;
  }

  list(): RunEntry[] {
    return [...this.entries.values()].sort((a, b) => b.created - a.created || b.id.localeCompare(a.id));
  }

  get(dir: string): RunEntry | undefined {
    return this.entries.get(path.resolve(dir));
  }

  liveRuns(): RunEntry[] {
    return this.list().filter((e) => e.live);
  }

  /** Live records since this host connected (bounded), for joining with the folder. */
  recentMetrics(dir: string): MetricRecord[] {
    return this.liveStates.get(path.resolve(dir))?.recent.all() ?? [];
  }

  latestSnapshot(dir: string): Snapshot | undefined {
    return this.liveStates.get(path.resolve(dir))?.snapshot;
  }

  /** Send a control action; false when the run has no connected trainer. */
  control(dir: string, action: ControlAction): boolean {
    const st = this.liveStates.get(path.resolve(dir));
    if (!st || !st.client.connected) return false;
    const ok = st.client.send({ type: 'control', action });
    if (ok) this.o.log.info(`${path.basename(dir)}: sent ${action}`);
    return ok;
  }

  /**
   * Send a control action, waiting up to `timeoutMs` for the connection when
   * the run is live but not connected yet (just started, or reconnecting).
   */
  async controlWhenConnected(dir: string, action: ControlAction, timeoutMs = 3000): Promise<boolean> {
    dir = path.resolve(dir);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.control(dir, action)) return true;
      if (this.disposed || !this.liveStates.has(dir) || Date.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  dispose(): void {
    this.disposed = true;
    if (this.changeTimer) clearTimeout(this.changeTimer);
    for (const dir of [...this.liveStates.keys()]) this.detach(dir);
    this.changeEmitter.dispose();
    this.eventEmitter.dispose();
    this.endedEmitter.dispose();
  }

  // ---- internals ----------------------------------------------------------

  private isInRoots(dir: string): boolean {
    return this.o.roots().some((r) => path.dirname(dir) === runsDirOf(r));
  }

  private load(dir: string, childExit?: Promise<ExitInfo>): RunEntry {
    const folder = readRunFolder(dir);
    const st = this.liveStates.get(dir);
    let status = folder.status;
    if (!folder.live && status.state === 'killed') {
      // A trainer that is still starting has written its status but not yet
      // its lock: trust the status while the pid it names is alive.
      const raw = readStatusFile(dir);
      if (raw && isLive(raw.state) && raw.pid && pidAlive(raw.pid)) status = raw;
    }
    let live = folder.live;
    if (st && st.client.connected) {
      // The socket is fresher than the file; the file may be a few steps behind.
      live = true;
      // The trainer's own status replaces the folder's reading, which may predate
      // the trainer's first write (and carry a 'status.json is missing' error).
      const fromMsgs = st.status;
      if (fromMsgs) status = { ...fromMsgs };
      if (st.backend && !status.backend) status.backend = st.backend;
      if (fromMsgs && folder.status.step > fromMsgs.step) status.step = folder.status.step;
    }
    const summary = runSummary({ ...folder, status });
    const entry: RunEntry = {
      dir,
      id: folder.id,
      summary,
      config: folder.config,
      live,
      connected: !!st?.client.connected,
      warnings: folder.warnings,
      created: this.entries.get(dir)?.created ?? createdTime(dir),
    };
    this.entries.set(dir, entry);
    if (folder.live && !st) this.attach(dir, childExit);
    return entry;
  }

  private attach(dir: string, childExit?: Promise<ExitInfo>): void {
    if (this.liveStates.has(dir) || this.disposed) return;
    if (!childExit && !liveLock(dir)) return;
    const recent = new RecentMetrics(this.o.recentCapacity);
    const update = (patch: Partial<RunStatus>, replace = false) => {
      const e = this.entries.get(dir);
      if (!e) return;
      const status: RunStatus = replace ? ({ ...patch } as RunStatus) : { ...e.summary.status, ...patch };
      st.status = status;
      e.summary = { ...e.summary, status };
      this.changed();
    };
    const client: TrainerClient = new TrainerClient({
      runDir: dir,
      log: this.o.log,
      childExit,
      retryDelaysMs: this.o.retryDelaysMs,
      handlers: {
        hello: (m) => {
          st.backend = m.backend;
          update({ backend: m.backend, totalSteps: m.totalSteps, pid: m.pid });
        },
        status: (m) => {
          // A status message is the trainer's whole status: replace, don't merge.
          update({ ...m.status, backend: m.status.backend ?? st.backend }, true);
          this.eventEmitter.fire({ kind: 'status', dir, status: this.entries.get(dir)?.summary.status ?? m.status });
        },
        metrics: (m) => {
          if (m.records.length === 0) return;
          recent.push(m.records);
          const last = m.records[m.records.length - 1];
          const patch: Partial<RunStatus> = { step: Math.max(last.step, this.entries.get(dir)?.summary.status.step ?? 0) };
          if (typeof last.stepsPerSec === 'number' && Number.isFinite(last.stepsPerSec) && last.stepsPerSec >= 0) patch.stepsPerSec = last.stepsPerSec;
          update(patch);
          this.eventEmitter.fire({ kind: 'metrics', dir, records: m.records });
        },
        snapshot: (m) => {
          st.snapshot = m.snapshot;
          this.eventEmitter.fire({ kind: 'snapshot', dir, snapshot: m.snapshot });
        },
        log: (m) => {
          const line = `${path.basename(dir)} [trainer] ${m.message}`;
          if (m.level === 'error') this.o.log.error(line);
          else if (m.level === 'warn') this.o.log.warn(line);
          else this.o.log.info(line);
          this.eventEmitter.fire({ kind: 'log', dir, level: m.level, message: m.message });
        },
        ended: (m) => {
          update({ state: m.state, step: m.step, ...(m.error ? { error: m.error } : {}) });
          this.eventEmitter.fire({ kind: 'status', dir, status: this.entries.get(dir)?.summary.status as RunStatus });
        },
      },
      onConnect: () => {
        const e = this.entries.get(dir);
        if (e) {
          e.connected = true;
          e.live = true;
        }
        this.changed();
      },
      onDisconnect: () => {
        const e = this.entries.get(dir);
        if (e) e.connected = false;
        this.changed();
      },
      onGone: (info) => this.gone(dir, info),
    });
    const st: LiveState = { client, recent, spawnedHere: childExit !== undefined };
    this.liveStates.set(dir, st);
    client.start();
  }

  private gone(dir: string, info: GoneInfo): void {
    const st = this.liveStates.get(dir);
    this.liveStates.delete(dir);
    st?.client.dispose();
    if (this.disposed) return;
    const entry = this.load(dir);
    // The file is authoritative now; make sure views see the final state at once.
    entry.summary = { ...entry.summary, status: info.status };
    entry.live = false;
    entry.connected = false;
    this.eventEmitter.fire({ kind: 'status', dir, status: info.status });
    this.endedEmitter.fire({
      dir,
      id: entry.id,
      status: info.status,
      recordedByHost: info.recordedByHost,
      exit: info.exit,
      spawnedHere: st?.spawnedHere ?? false,
    });
    this.changed(0);
  }

  private detach(dir: string): void {
    const st = this.liveStates.get(dir);
    if (!st) return;
    st.client.dispose();
    this.liveStates.delete(dir);
  }

  private changed(delay = this.o.changeDelayMs ?? 100): void {
    if (this.disposed) return;
    if (delay === 0) {
      if (this.changeTimer) clearTimeout(this.changeTimer);
      this.changeTimer = undefined;
      this.changeEmitter.fire();
      return;
    }
    if (this.changeTimer) return;
    this.changeTimer = setTimeout(() => {
      this.changeTimer = undefined;
      this.changeEmitter.fire();
    }, delay);
  }
}

function createdTime(dir: string): number {
  try {
    const s = fs.statSync(dir);
    return s.birthtimeMs || s.ctimeMs;
  } catch {
    return 0;
  }
}

export function isLiveEntry(e: RunEntry): boolean {
  return e.live && isLive(e.summary.status.state);
}
