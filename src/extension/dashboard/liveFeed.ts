/**
 * What a dashboard forwards of a run's live events, and what it keeps to do
 * so: a few numbers, never the events. While the webview is not loaded
 * (hidden: VS Code discards it) nothing is forwarded and nothing is kept;
 * its next load gets an init rebuilt from the folder. A long run's first
 * init is a sample; the full one follows it (`fullInit`), unless the webview
 * was reloaded or hidden in the meantime.
 *
 * No `vscode` import: the panel gives it a `post`; unit tests count what is
 * posted and what is retained.
 */
import type { HostToWebview } from '../../protocol/messages';
import type { RunStatus } from '../../protocol/run';
import type { RunEvent } from '../runs/runManager';
import { recordsAfter } from '../runs/metricsMerge';
import type { InitBuild } from './initMessage';

/** The header's step and speed follow the metrics at most this often. */
export const STATUS_EVERY_MS = 1000;

export interface LiveFeedOptions {
  post: (msg: HostToWebview) => void;
  /** The run's current status (for the header's step and speed). */
  status: () => RunStatus | undefined;
  now?: () => number;
}

export class LiveFeed {
  /** Bumped by every load of the webview and every hide: a full init for an older one is dropped. */
  private load = 0;
  private initialized = false;
  private lastStep = -1;
  private lastSnapshotStep = -1;
  private lastStatusAt = 0;

  constructor(private readonly o: LiveFeedOptions) {}

  /** The webview got an init: forward what is newer than it from now on. Returns the load it belongs to. */
  started(build: InitBuild): number {
    this.load++;
    this.initialized = true;
    this.lastStep = build.lastStep;
    this.lastSnapshotStep = build.lastSnapshotStep;
    this.postInit(build);
    return this.load;
  }

  /**
   * The full init of a sampled one, for load `load`: replaces the webview's
   * picture unless it was reloaded or hidden since. Returns whether it was sent.
   */
  fullInit(load: number, build: InitBuild): boolean {
    if (!this.isCurrent(load)) return false;
    // Live records forwarded meanwhile are in the build (joined from the live buffer).
    this.lastStep = Math.max(this.lastStep, build.lastStep);
    this.lastSnapshotStep = Math.max(this.lastSnapshotStep, build.lastSnapshotStep);
    this.postInit(build);
    return true;
  }

  /** Still the webview load that `load` was returned for. */
  isCurrent(load: number): boolean {
    return this.initialized && load === this.load;
  }

  /** The webview was discarded (hidden) or the panel closed: forward nothing until the next init. */
  stopped(): void {
    this.load++;
    this.initialized = false;
  }

  event(e: RunEvent): void {
    if (!this.initialized) return;
    switch (e.kind) {
      case 'metrics': {
        const fresh = recordsAfter(e.records, this.lastStep);
        this.lastStep = fresh.last;
        if (fresh.records.length) this.post({ type: 'metrics', records: fresh.records });
        // The trainer sends status on changes; the step and speed in the
        // header follow the metrics, at most once a second.
        const status = this.o.status();
        const now = this.now();
        if (status && now - this.lastStatusAt >= STATUS_EVERY_MS) {
          this.lastStatusAt = now;
          this.post({ type: 'status', status });
        }
        return;
      }
      case 'snapshot':
        if (e.snapshot.step >= this.lastSnapshotStep) {
          this.lastSnapshotStep = e.snapshot.step;
          this.post({ type: 'snapshot', snapshot: e.snapshot });
        }
        return;
      case 'status':
        this.lastStatusAt = this.now();
        this.post({ type: 'status', status: e.status });
        return;
      case 'log':
        if (e.level !== 'info') this.post({ type: 'notice', level: e.level, message: e.message });
        return;
    }
  }

  /** An init, then the history slider's stops (an init clears the webview's), then its notices. */
  private postInit(build: InitBuild): void {
    this.post(build.message);
    this.post({ type: 'snapshotSteps', steps: build.snapshotSteps });
    for (const n of build.notices) this.post({ type: 'notice', level: 'info', message: n });
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  private post(msg: HostToWebview): void {
    this.o.post(msg);
  }
}
