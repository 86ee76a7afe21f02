/**
 * The trainer's control socket: any number of controllers (the window that
 * started the run, a reloaded window, a second window) connect, receive every
 * TrainerMessage, and send validated ControlMessages.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import { ControlMessageSchema, parseMessage, type ControlMessage, type TrainerMessage } from '../protocol/messages';
import { readNdjson, writeNdjson } from '../runfolder/socket';

export class ControlServer {
  private readonly server: net.Server;
  private readonly clients = new Set<net.Socket>();

  constructor(
    readonly socketPath: string,
    private readonly onControl: (msg: ControlMessage) => void,
    /** Messages a new controller gets first (hello, current status). */
    private readonly greeting: () => TrainerMessage[],
    private readonly warn: (msg: string) => void,
  ) {
    this.server = net.createServer((sock) => this.accept(sock));
  }

  async listen(): Promise<void> {
    if (process.platform !== 'win32') fs.rmSync(this.socketPath, { force: true }); // left by a killed trainer
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.socketPath, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  private accept(sock: net.Socket): void {
    this.clients.add(sock);
    sock.on('close', () => this.clients.delete(sock));
    sock.on('error', () => this.clients.delete(sock));
    for (const m of this.greeting()) writeNdjson(sock, m);
    readNdjson(
      sock,
      (raw) => {
        const r = parseMessage(ControlMessageSchema, raw, 'host→trainer');
        if (!r.ok) {
          this.warn(r.error);
          writeNdjson(sock, { type: 'log', level: 'warn', message: r.error } satisfies TrainerMessage);
          return;
        }
        this.onControl(r.message);
      },
      (err) => {
        // Not JSON (or too long): the sender hears about it too, like any rejected line.
        const message = `host→trainer: ${err}`;
        this.warn(message);
        writeNdjson(sock, { type: 'log', level: 'warn', message } satisfies TrainerMessage);
      },
    );
  }

  broadcast(msg: TrainerMessage): void {
    for (const c of this.clients) {
      // A slow reader must not make the trainer wait or buffer without bound:
      // past 8 MB of unsent data the client is dropped (it can reconnect and
      // rebuild from the run folder).
      if (c.writableLength > 8 * 1024 * 1024) c.destroy();
      else writeNdjson(c, msg);
    }
  }

  get clientCount(): number {
    return this.clients.size;
  }

  async close(): Promise<void> {
    for (const c of this.clients) c.end();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (process.platform !== 'win32') fs.rmSync(this.socketPath, { force: true });
  }
}
