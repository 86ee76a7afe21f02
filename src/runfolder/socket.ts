import { createHash } from 'node:crypto';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Where the trainer of `runDir` listens. Unix socket paths are limited to
 * about 100 bytes, so the path is derived from a hash of the run folder.
 */
export function socketPathFor(runDir: string): string {
  const h = createHash('sha256').update(path.resolve(runDir)).digest('hex').slice(0, 16);
  return process.platform === 'win32' ? `\\\\.\\pipe\\ganwb-${h}` : path.join(os.tmpdir(), `ganwb-${h}.sock`);
}

/** Largest accepted line; a peer that sends more without a newline is cut off. */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

/**
 * Newline-delimited JSON over a stream. Calls `onValue` with each parsed
 * line and `onError` for a line that is not JSON or is too long.
 */
export function readNdjson(sock: net.Socket, onValue: (v: unknown) => void, onError: (msg: string) => void): void {
  // The unfinished line, as the chunks it arrived in: only each new chunk is
  // searched for a newline. (Appending to one string and searching it all
  // on every chunk cost quadratic time: minutes of a blocked event loop for
  // a 16 MB line sent in small pieces.)
  let parts: string[] = [];
  let pending = 0;
  sock.setEncoding('utf8');
  sock.on('data', (chunk: string) => {
    let from = 0;
    let nl: number;
    while ((nl = chunk.indexOf('\n', from)) >= 0) {
      parts.push(chunk.slice(from, nl));
      const line = parts.length === 1 ? parts[0] : parts.join('');
      parts = [];
      pending = 0;
      from = nl + 1;
      if (line.trim() === '') continue;
      let v: unknown;
      try {
        v = JSON.parse(line);
      } catch {
        onError(`not JSON: ${line.slice(0, 80)}`);
        continue;
      }
      onValue(v);
    }
    if (from < chunk.length) {
      parts.push(chunk.slice(from));
      pending += chunk.length - from;
    }
    if (pending > MAX_LINE_BYTES) {
      onError(`line longer than ${MAX_LINE_BYTES} bytes; connection closed`);
      parts = [];
      pending = 0;
      sock.destroy();
    }
  });
}

export function writeNdjson(sock: net.Socket, value: unknown): boolean {
  if (sock.destroyed || !sock.writable) return false;
  return sock.write(JSON.stringify(value) + '\n');
}
