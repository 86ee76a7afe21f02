/**
 * Watches that a visible dashboard page says `ready`. A page whose load was
 * lost (the webview's iframe or service worker failing on a loaded machine)
 * never says it, and would stay a blank panel until the user closed it; the
 * watch asks for the page to be loaded again after `timeoutMs`, a bounded
 * number of times, then gives up with a message. Free of vscode so it can be
 * tested with mock timers.
 */
export interface ReadyWatchOptions {
  readonly timeoutMs: number;
  readonly retries: number;
  /** Whether the panel is on screen now (a hidden page is not loaded at all). */
  isVisible(): boolean;
  /** Load the page again; `attempt` counts from 1. */
  reload(attempt: number): void;
  /** No `ready` after every retry. */
  giveUp(tries: number): void;
}

export class ReadyWatch {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private reloads = 0;
  private isReady = false;
  private disposed = false;

  constructor(private readonly opts: ReadyWatchOptions) {}

  /** A page was (re)loaded or the panel became visible: wait for its `ready`. */
  arm(): void {
    this.clear();
    this.isReady = false;
    if (this.disposed || !this.opts.isVisible()) return;
    this.timer = setTimeout(() => this.expired(), this.opts.timeoutMs);
  }

  /** The page said `ready`: stop watching; the retry budget starts afresh. */
  ready(): void {
    this.clear();
    this.isReady = true;
    this.reloads = 0;
  }

  dispose(): void {
    this.disposed = true;
    this.clear();
  }

  private expired(): void {
    this.timer = undefined;
    if (this.disposed || this.isReady || !this.opts.isVisible()) return;
    if (this.reloads >= this.opts.retries) {
      this.opts.giveUp(this.reloads + 1);
      return;
    }
    this.reloads++;
    // reload() renders the page again, which arms the watch for the new load.
    this.opts.reload(this.reloads);
  }

  private clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
