/**
 * The small logging surface the vscode-free modules write to. In the
 * extension it is the "GAN Workbench" LogOutputChannel (which has exactly
 * these methods); in unit tests an array.
 */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** A logger that keeps its lines, for tests and for reporting. */
export class MemoryLogger implements Logger {
  readonly lines: { level: 'info' | 'warn' | 'error'; message: string }[] = [];
  info(message: string): void {
    this.lines.push({ level: 'info', message });
  }
  warn(message: string): void {
    this.lines.push({ level: 'warn', message });
  }
  error(message: string): void {
    this.lines.push({ level: 'error', message });
  }
}

/**
 * Passes every line on to `inner` and keeps the last `capacity` of them, so
 * a test in a real host can print what the extension logged when a step
 * times out (the output channel itself cannot be read back).
 */
export class RecentLogger implements Logger {
  private readonly recent: string[] = [];
  constructor(
    private readonly inner: Logger,
    private readonly capacity = 200,
  ) {}
  info(message: string): void {
    this.keep('info', message);
    this.inner.info(message);
  }
  warn(message: string): void {
    this.keep('warn', message);
    this.inner.warn(message);
  }
  error(message: string): void {
    this.keep('error', message);
    this.inner.error(message);
  }
  lines(): string[] {
    return [...this.recent];
  }
  private keep(level: string, message: string): void {
    this.recent.push(`${new Date().toISOString().slice(11, 23)} ${level} ${message}`);
    if (this.recent.length > this.capacity) this.recent.splice(0, this.recent.length - this.capacity);
  }
}
