/**
 * One controller connection to a running trainer, through the run folder:
 * lock.json names the trainer's pid and socket. Every line that arrives is
 * validated against the trainer→host contract; a rejected one is logged and
 * never reaches a handler. When the connection closes, the folder decides:
 * a live lock means reconnect (with backoff), a dead one means the trainer
 * is gone — and if it left status.json saying it is live, the end it did not
 * record (killed, with the signal when this host spawned it) is written.
 *
 * No `vscode` import: tested under plain Node against a fake trainer.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { dispatch, parseMessage, TrainerMessageSchema, type ControlMessage, type Handlers, type TrainerMessage } from '../../protocol/messages';
import type { RunLock, RunStatus } from '../../protocol/run';
import { liveLock } from '../../runfolder/lock';
import { readRunFolder } from '../../runfolder/read';
import { readNdjson, writeNdjson } from '../../runfolder/socket';
import type { Logger } from '../logger';
import { recordExit } from './exitState';
import type { ExitInfo } from './trainerProcess';

export interface GoneInfo {
  /** How the run ended: what the trainer wrote, or what the host wrote for it. */
  status: RunStatus;
  /** True when the trainer had not recorded its end and the host did. */
  recordedByHost: boolean;
  exit?: ExitInfo;
}

export interface TrainerClientOptions {
  runDir: string;
  log: Logger;
  handlers: Handlers<TrainerMessage>;
  onConnect?: () => void;
  onDisconnect?: () => void;
  /** The trainer is gone (no live lock). Called once; the client is then done. */
  onGone: (info: GoneInfo) => void;
  /** The process exit, when this host spawned the trainer (gives the signal of a kill). */
  childExit?: Promise<ExitInfo>;
  /** Waits between reconnect attempts while the trainer is alive; the last repeats. */
  retryDelaysMs?: readonly number[];
}

const DEFAULT_DELAYS = [100, 200, 400, 800, 1000, 2000] as const;
/** Rejected lines logged per connection before the log goes quiet. */
const MAX_LOGGED_REJECTIONS = 50;

export class TrainerClient {
  readonly id: string;
  private sock: net.Socket | undefined;
  private timer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private disposed = false;
  private goneCalled = false;
  private isConnected = false;
  private lock: RunLock | undefined;
  private warnedNotSocket = false;
  private rejectedThisConnection = 0;
  /** Lines rejected by validation (not JSON, or not a trainer message). */
  rejected = 0;
  /** Messages handled. */
  handled = 0;
  ended = false;

  constructor(private readonly o: TrainerClientOptions) {
    this.id = path.basename(o.runDir);
  }

  get runDir(): string {
    return this.o.runDir;
  }

  get connected(): boolean {
    return this.isConnected;
  }

  get pid(): number | undefined {
    return this.lock?.pid;
  }

  start(): void {
    this.tryConnect();
  }

  /** Send a control line; false when not connected. */
  send(msg: ControlMessage): boolean {
    if (!this.sock || !this.isConnected) return false;
    return writeNdjson(this.sock, msg);
  }

  /** Close this controller; the trainer keeps running. */
  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.sock?.destroy();
    this.sock = undefined;
    this.isConnected = false;
  }

  private tryConnect(): void {
    this.timer = undefined;
    if (this.disposed || this.goneCalled) return;
    const lock = liveLock(this.o.runDir);
    if (!lock) {
      void this.gone();
      return;
    }
    this.lock = lock;
    if (!this.socketReady(lock.socket)) {
      this.retry();
      return;
    }
    const sock = net.createConnection(lock.socket);
    this.sock = sock;
    this.rejectedThisConnection = 0;
    sock.once('connect', () => {
      if (this.disposed) return;
      this.attempt = 0;
      this.isConnected = true;
      this.o.log.info(`${this.id}: connected to the trainer (pid ${lock.pid})`);
      this.o.onConnect?.();
    });
    readNdjson(
      sock,
      (v) => this.onValue(v),
      (err) => this.reject(`trainer ${this.id}: ${err}`),
    );
    sock.on('error', () => {
      /* 'close' follows; the folder decides what it means */
    });
    sock.once('close', () => {
      if (this.sock === sock) this.sock = undefined;
      const wasConnected = this.isConnected;
      this.isConnected = false;
      if (this.disposed) return;
      if (wasConnected) {
        this.o.log.info(`${this.id}: connection to the trainer closed`);
        this.o.onDisconnect?.();
      }
      this.afterClose();
    });
  }

  /** Only connect to an existing Unix socket: lock.json comes from the workspace and is not trusted. */
  private socketReady(socket: string): boolean {
    if (process.platform === 'win32') return true;
    try {
      if (fs.statSync(socket).isSocket()) return true;
      if (!this.warnedNotSocket) {
        this.warnedNotSocket = true;
        this.o.log.warn(`${this.id}: lock.json names ${socket} as the trainer's socket, but it is not a socket; not connecting`);
      }
      return false;
    } catch {
      return false; // not listening yet
    }
  }

  private afterClose(): void {
    if (liveLock(this.o.runDir)) this.retry();
    else void this.gone();
  }

  private retry(): void {
    if (this.disposed || this.goneCalled) return;
    const delays = this.o.retryDelaysMs ?? DEFAULT_DELAYS;
    const delay = delays[Math.min(this.attempt, delays.length - 1)];
    this.attempt++;
    this.timer = setTimeout(() => this.tryConnect(), delay);
  }

  private reject(error: string): void {
    this.rejected++;
    this.rejectedThisConnection++;
    if (this.rejectedThisConnection <= MAX_LOGGED_REJECTIONS) this.o.log.warn(error);
    if (this.rejectedThisConnection === MAX_LOGGED_REJECTIONS) this.o.log.warn(`trainer ${this.id}: further rejected messages on this connection are not logged`);
  }

  private onValue(v: unknown): void {
    if (this.disposed) return;
    const r = parseMessage(TrainerMessageSchema, v, `trainer ${this.id}`);
    if (!r.ok) {
      this.reject(r.error);
      return;
    }
    if (r.message.type === 'ended') this.ended = true;
    this.handled++;
    try {
      dispatch(this.o.handlers, r.message);
    } catch (e) {
      this.o.log.error(`${this.id}: handling '${r.message.type}' failed: ${(e as Error).stack ?? String(e)}`);
    }
  }

  private async gone(): Promise<void> {
    if (this.goneCalled || this.disposed) return;
    this.goneCalled = true;
    let exit: ExitInfo | undefined;
    if (this.o.childExit) {
      exit = await Promise.race([this.o.childExit, new Promise<undefined>((r) => setTimeout(() => r(undefined), 500))]);
    }
    if (this.disposed) return;
    const folder = readRunFolder(this.o.runDir);
    let written: RunStatus | undefined;
    // Only a trainer this client saw alive (or spawned) can be declared dead:
    // a folder whose trainer is still starting has a live status and no lock yet.
    if (this.lock || this.o.childExit) {
      try {
        written = recordExit(this.o.runDir, exit, { totalSteps: folder.config?.training.steps });
      } catch (e) {
        this.o.log.error(`${this.id}: could not record the end of the run: ${(e as Error).message}`);
      }
    }
    const status = written ?? readRunFolder(this.o.runDir).status;
    this.o.log.info(`${this.id}: trainer gone; run ${status.state}${status.error ? `: ${status.error}` : ''}`);
    this.o.onGone({ status, recordedByHost: written !== undefined, exit });
  }
}
