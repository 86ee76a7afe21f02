/**
 * One dashboard WebviewPanel per run folder. The webview is not kept alive
 * while hidden (retainContextWhenHidden: false): each time it loads it posts
 * `ready`, and gets an `init` rebuilt from the folder (for a long run: a
 * sample at once, then every record, decimated); while visible, live
 * messages are forwarded (liveFeed.ts); while hidden nothing queues (the
 * folder is the buffer). Every message from the webview is validated; the
 * history slider's requests for older snapshots are answered from the run's
 * samples folder (snapshotHistory.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { dispatch, MAX_COMPARE_RECORDS, MAX_COMPARE_RUNS, parseMessage, WebviewToHostSchema, type Handlers, type HostToWebview, type WebviewToHost } from '../../protocol/messages';
import { RUN_FILES } from '../../protocol/run';
import { readRunConfig } from '../../runfolder/read';
import { findingViews, type RunDoctors } from '../doctor/runDoctors';
import type { Logger } from '../logger';
import type { RunManager } from '../runs/runManager';
import { dashboardHtml, dashboardWebviewOptions, makeNonce, messageHtml } from './html';
import { buildFullInit, buildInit, type InitBuild, type InitInput } from './initMessage';
import { LiveFeed } from './liveFeed';
import { ReadyWatch } from './readyWatch';
import { readMetricsQuick } from './metricsFile';
import { answerSnapshotRequest } from './snapshotHistory';

export const DASHBOARD_VIEW_TYPE = 'ganWorkbench.dashboard';
const TITLE_PREFIX = 'GAN: ';
/**
 * A visible page that has not said `ready` by then is loaded again (a lost
 * load — the webview's service worker or iframe failing under load — would
 * otherwise leave a blank panel until the user closes it), at most
 * READY_RETRIES times.
 */
const READY_TIMEOUT_MS = 15_000;
const READY_RETRIES = 2;

class DashboardPanel implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly feed: LiveFeed;
  private disposed = false;
  /** The loaded webview has had its init (a hidden one is discarded and loads again). */
  private ready = false;
  /** Run folders drawn over this run's charts, and when the comparison was last sent. */
  private compareWith: string[] = [];
  private compareTimer: NodeJS.Timeout | undefined;
  /** Reloads a visible page that never says `ready` (see READY_TIMEOUT_MS). */
  private readonly readyWatch: ReadyWatch;
  /** What the last `init` told the webview (run state, warnings): for tests in a real host. */
  lastInit: { state: string; warnings: string[]; records: number } | undefined;

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly dir: string,
    private readonly context: vscode.ExtensionContext,
    private readonly manager: RunManager,
    private readonly doctors: RunDoctors,
    private readonly log: Logger,
    onDispose: () => void,
  ) {
    panel.webview.options = dashboardWebviewOptions(context.extensionUri, dir, {
      join: (base, ...segments) => vscode.Uri.joinPath(base, ...segments),
      file: (p) => vscode.Uri.file(p),
    });
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'gan.svg');
    this.readyWatch = new ReadyWatch({
      timeoutMs: READY_TIMEOUT_MS,
      retries: READY_RETRIES,
      isVisible: () => this.panel.visible,
      reload: (attempt) => {
        this.log.warn(`${this.id}: the dashboard page did not report ready within ${READY_TIMEOUT_MS / 1000} s; loading it again (${attempt} of ${READY_RETRIES})`);
        this.render();
      },
      giveUp: (tries) => this.log.error(`${this.id}: the dashboard page has not loaded after ${tries} tries; close it and open the run again (GAN: Open Run…)`),
    });
    this.feed = new LiveFeed({ post: (m) => this.post(m), status: () => manager.get(dir)?.summary.status });
    this.render();
    this.disposables.push(
      panel.webview.onDidReceiveMessage((raw) => this.onMessage(raw)),
      panel.onDidChangeViewState(() => {
        if (!panel.visible) {
          // The hidden webview is discarded; its next load asks for init
          // again, and gets a page with a fresh nonce.
          this.ready = false;
          this.feed.stopped();
          this.render();
        } else if (!this.ready) this.readyWatch.arm();
      }),
      manager.onRunEvent((e) => {
        if (e.dir === this.dir && this.panel.visible) this.feed.event(e);
      }),
      manager.onRunEvent((e) => {
        // A compared run that is training: resend its curves, at most every 2 s.
        if (e.kind === 'metrics' && this.compareWith.includes(e.dir) && !this.compareTimer) {
          this.compareTimer = setTimeout(() => {
            this.compareTimer = undefined;
            this.sendCompare();
          }, 2000);
        }
      }),
      doctors.onChange((c) => {
        if (c.dir === this.dir && this.panel.visible && this.ready) this.post({ type: 'diagnosis', findings: findingViews(c.findings) });
      }),
      panel.onDidDispose(() => {
        this.disposed = true;
        clearTimeout(this.compareTimer);
        this.readyWatch.dispose();
        this.feed.stopped();
        this.disposables.forEach((d) => d.dispose());
        onDispose();
      }),
    );
  }

  get id(): string {
    return path.basename(this.dir);
  }

  reveal(): void {
    this.panel.reveal();
  }

  /** Draw these other runs over this one's charts (dashed); an empty list clears them. */
  compare(dirs: readonly string[]): void {
    this.compareWith = dirs.filter((d) => d !== this.dir).slice(0, MAX_COMPARE_RUNS);
    this.sendCompare();
  }

  get comparedWith(): readonly string[] {
    return this.compareWith;
  }

  private sendCompare(): void {
    if (!this.ready || !this.panel.visible) return;
    const runs = this.compareWith.map((d) => {
      // A bounded sample of the log (the whole of it when small), as a dashboard's first picture.
      const records = readMetricsQuick(path.join(d, RUN_FILES.metrics)).records;
      const variant = readRunConfig(d).config?.variant; // its config only: the status and lock are not needed here
      return { id: path.basename(d), variant, records: records.length > MAX_COMPARE_RECORDS ? records.slice(-MAX_COMPARE_RECORDS) : records };
    });
    this.post({ type: 'compare', runs });
  }

  dispose(): void {
    this.panel.dispose();
  }

  private render(): void {
    this.readyWatch.arm();
    const webview = this.panel.webview;
    const distDir = path.join(this.context.extensionPath, 'dist', 'webview');
    if (!fs.existsSync(path.join(distDir, 'dashboard.js'))) {
      webview.html = messageHtml(`The dashboard of ${this.id} cannot load: ${path.join(distDir, 'dashboard.js')} is missing. Build the extension (npm run build) and reopen it.`);
      return;
    }
    const uri = (f: string) => webview.asWebviewUri(vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'webview', f)).toString();
    try {
      webview.html = dashboardHtml({
        cspSource: webview.cspSource,
        nonce: makeNonce(),
        scriptUri: uri('dashboard.js'),
        styleUri: uri('dashboard.css'),
        title: `${TITLE_PREFIX}${this.id}`,
      });
    } catch (e) {
      // Never loosen the policy to make a page load: say why it cannot.
      this.log.error(`${this.id}: dashboard not loaded: ${(e as Error).message}`);
      webview.html = messageHtml(`The dashboard of ${this.id} cannot load safely here: ${(e as Error).message}`);
    }
  }

  private post(msg: HostToWebview): void {
    void this.panel.webview.postMessage(msg).then(undefined, (e: unknown) => this.log.warn(`${this.id}: could not post ${msg.type}: ${String(e)}`));
  }

  private notice(level: 'info' | 'warn' | 'error', message: string): void {
    this.post({ type: 'notice', level, message });
  }

  private onMessage(raw: unknown): void {
    const r = parseMessage(WebviewToHostSchema, raw, `dashboard ${this.id}`);
    if (!r.ok) {
      this.log.warn(r.error);
      return;
    }
    this.handle(r.message);
  }

  /** One handler per webview message type: a type added to the protocol does not compile until it is handled here. */
  private readonly handlers: Handlers<WebviewToHost> = {
    ready: () => {
      this.readyWatch.ready();
      this.sendInit();
      this.ready = true;
      this.post({ type: 'diagnosis', findings: findingViews(this.doctors.findings(this.dir)) });
      if (this.compareWith.length) this.sendCompare();
    },
    applyFix: (msg) => {
      void vscode.commands.executeCommand('ganWorkbench.applyFix', this.dir, msg.detector, msg.fix);
    },
    control: (msg) => {
      const entry = this.manager.get(this.dir);
      if (!entry?.live) {
        this.notice('warn', `${this.id} is not training (${entry?.summary.status.state ?? 'unknown state'}): pause, resume, stop and sample now apply to a live run.`);
        return;
      }
      void this.manager.controlWhenConnected(this.dir, msg.action).then((sent) => {
        if (!sent) this.notice('warn', `Cannot reach the trainer of ${this.id} right now (reconnecting); '${msg.action}' was not sent. Try again in a moment.`);
      });
    },
    requestSnapshot: (msg) => {
      // The step is a validated integer; the file is samples/step-NNNNNNNN.json of this run only.
      void answerSnapshotRequest(this.dir, msg.step).then((answer) => {
        if (!this.disposed) this.post(answer); // the panel may have closed while the file was read
      });
    },
  };

  private handle(msg: WebviewToHost): void {
    dispatch(this.handlers, msg);
  }

  private sendInit(): void {
    const input = (): InitInput => ({
      dir: this.dir,
      recent: this.manager.recentMetrics(this.dir),
      liveStatus: liveStatusOf(this.manager, this.dir),
      liveSnapshot: this.manager.latestSnapshot(this.dir),
    });
    const t0 = Date.now();
    const build = buildInit(input());
    const load = this.feed.started(build);
    this.noteInit(build.message);
    this.log.info(`${this.id}: dashboard page ready; sent ${build.message.metrics.length} records, ${build.message.warnings.length} warning(s), state ${build.message.run.status.state}`);
    if (!build.sampled) return;
    this.log.info(`${this.id}: dashboard opened from a sample of ${build.message.metrics.length} records in ${Date.now() - t0} ms; reading the whole metrics log`);
    // The whole log, read in chunks off the critical path; dropped if the webview reloads or hides first.
    const t1 = Date.now();
    const stale = () => this.disposed || !this.feed.isCurrent(load);
    void buildFullInit(input, stale).then(
      (full) => {
        if (!full || !this.feed.fullInit(load, full)) return;
        this.noteInit(full.message);
        this.log.info(`${this.id}: dashboard redrawn from the whole metrics log (${full.message.metrics.length} records kept) in ${Date.now() - t1} ms`);
      },
      (e: unknown) => this.log.warn(`${this.id}: reading the whole metrics log failed: ${String(e)}`),
    );
  }

  private noteInit(m: InitBuild['message']): void {
    this.lastInit = { state: m.run.status.state, warnings: m.warnings, records: m.metrics.length };
  }
}

function liveStatusOf(manager: RunManager, dir: string) {
  const entry = manager.get(dir);
  return entry?.connected ? entry.summary.status : undefined;
}

export class Dashboards implements vscode.Disposable {
  private readonly panels = new Map<string, DashboardPanel>();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly manager: RunManager,
    private readonly doctors: RunDoctors,
    private readonly log: Logger,
  ) {}

  /** Open (or reveal) the dashboard of a run folder; with `compareWith`, those runs are drawn over it. */
  open(dir: string, compareWith?: readonly string[]): vscode.WebviewPanel {
    dir = path.resolve(dir);
    const existing = this.panels.get(dir);
    if (existing) {
      existing.reveal();
      if (compareWith) existing.compare(compareWith.map((d) => path.resolve(d)));
      return existing.panel;
    }
    if (!this.manager.get(dir)) this.manager.track(dir);
    const panel = vscode.window.createWebviewPanel(DASHBOARD_VIEW_TYPE, `${TITLE_PREFIX}${path.basename(dir)}`, vscode.ViewColumn.Active, {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [],
    });
    const p = this.adopt(panel, dir);
    if (compareWith) p.compare(compareWith.map((d) => path.resolve(d)));
    return panel;
  }

  /** A panel restored after a window reload: find its run by the webview state or the title. */
  restore(panel: vscode.WebviewPanel, state: unknown): void {
    const fromState = state && typeof state === 'object' && typeof (state as { runDir?: unknown }).runDir === 'string' ? (state as { runDir: string }).runDir : undefined;
    const known = (d: string) => this.manager.get(d)?.dir;
    let dir = fromState ? known(fromState) : undefined;
    if (!dir && panel.title.startsWith(TITLE_PREFIX)) {
      const id = panel.title.slice(TITLE_PREFIX.length);
      dir = this.manager.list().find((e) => e.id === id)?.dir;
    }
    if (!dir || this.panels.has(dir)) {
      this.log.info(`dashboard '${panel.title}' not restored: its run folder is not in this workspace`);
      panel.dispose();
      return;
    }
    this.adopt(panel, dir);
  }

  openDirs(): string[] {
    return [...this.panels.keys()];
  }

  /** The last `init` sent to a run's dashboard; undefined until its webview has loaded. */
  lastInit(dir: string): DashboardPanel['lastInit'] {
    return this.panels.get(path.resolve(dir))?.lastInit;
  }

  dispose(): void {
    for (const p of [...this.panels.values()]) p.dispose();
  }

  /** Runs compared in a run's dashboard (for tests in a real host). */
  comparedWith(dir: string): readonly string[] {
    return this.panels.get(path.resolve(dir))?.comparedWith ?? [];
  }

  private adopt(panel: vscode.WebviewPanel, dir: string): DashboardPanel {
    const p = new DashboardPanel(panel, dir, this.context, this.manager, this.doctors, this.log, () => this.panels.delete(dir));
    this.panels.set(dir, p);
    return p;
  }
}
