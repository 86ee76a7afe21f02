/**
 * GAN Workbench, extension host side: wiring only. Each domain lives in its
 * folder (scaffold/, runs/, dashboard/); the vscode-free parts are unit
 * tested under plain Node.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { announceFinding, applyFixCommand, compareRuns, type DoctorDeps } from './doctor/doctorCommands';
import { explainRun } from './doctor/explainRun';
import { RunDoctors } from './doctor/runDoctors';
import type { RunSummary } from '../protocol/messages';
import { Dashboards, DASHBOARD_VIEW_TYPE } from './dashboard/dashboardPanel';
import { newExperiment } from './scaffold/newExperiment';
import { openDashboard, openRun, stopTraining, type RunCommandDeps } from './runs/runCommands';
import { RunManager, type RunEndedEvent, type RunEntry } from './runs/runManager';
import { RunsTreeProvider, RUNS_VIEW_ID } from './runs/runsTree';
import { resumeRun, startTraining } from './runs/startTraining';
import { runResumability } from './runs/resumable';
import { RunStatusBar } from './runs/statusBar';
import { RecentLogger } from './logger';
import { installNativeBackendCommand } from './backends/installNativeCommand';
import { count } from '../protocol/numbers';

/** What `activate` returns: a small surface for tests in a real VS Code host. */
export interface GanWorkbenchApi {
  /** Runs of all workspace folders (and opened ones), newest first. */
  runs(): Array<RunSummary & { dir: string; live: boolean; connected: boolean }>;
  /** Re-scan the run folders now. */
  refresh(): void;
  /** Run folders with an open dashboard. */
  dashboards(): string[];
  /** Texts of the status bar items (one per live run). */
  statusBarTexts(): string[];
  /** What the last `init` told a run's dashboard (state, warnings shown, records); undefined until its webview loaded. */
  dashboardInit(dir: string): { state: string; warnings: string[]; records: number } | undefined;
  /** The training doctor's findings for a run. */
  findings(dir: string): { detector: string; severity: string; active: boolean; firstStep: number }[];
  /** Runs drawn over a run's open dashboard. */
  comparedWith(dir: string): string[];
  /** The extension's last log lines (what the "GAN Workbench" output channel shows), for a test to print when a step times out. */
  recentLog(): string[];
}

export function activate(context: vscode.ExtensionContext): GanWorkbenchApi {
  const channel = vscode.window.createOutputChannel('GAN Workbench', { log: true });
  const log = new RecentLogger(channel);
  const roots = () => (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
  const manager = new RunManager({ roots, log });
  const doctors = new RunDoctors();
  const dashboards = new Dashboards(context, manager, doctors, log);
  const tree = new RunsTreeProvider(manager, (dir) => doctors.findings(dir));
  const treeView = vscode.window.createTreeView(RUNS_VIEW_ID, { treeDataProvider: tree, canSelectMany: true });
  const statusBar = new RunStatusBar(manager);
  const diagnostics = vscode.languages.createDiagnosticCollection('ganWorkbench');
  context.subscriptions.push(channel, manager, doctors, dashboards, tree, treeView, statusBar, diagnostics);

  const open = (dir: string) => void dashboards.open(dir);
  const runDeps: RunCommandDeps = { manager, log, openDashboard: open, selection: () => treeView.selection };
  const doctorDeps: DoctorDeps = { manager, doctors, log, openDashboard: (dir, compareWith) => void dashboards.open(dir, compareWith), selection: () => treeView.selection };

  context.subscriptions.push(
    vscode.commands.registerCommand('ganWorkbench.newExperiment', (arg?: unknown) =>
      newExperiment(context, log, arg && typeof arg === 'object' && !(arg instanceof vscode.Uri) ? (arg as Parameters<typeof newExperiment>[2]) : undefined),
    ),
    vscode.commands.registerCommand('ganWorkbench.startTraining', (arg?: unknown) => startTraining({ context, manager, diagnostics, log, openDashboard: open }, arg)),
    vscode.commands.registerCommand('ganWorkbench.resumeRun', (arg?: unknown) => resumeRun({ context, manager, diagnostics, log, openDashboard: open }, arg)),
    vscode.commands.registerCommand('ganWorkbench.stopTraining', (arg?: unknown) => stopTraining(runDeps, arg)),
    vscode.commands.registerCommand('ganWorkbench.openDashboard', (arg?: unknown) => openDashboard(runDeps, arg)),
    vscode.commands.registerCommand('ganWorkbench.openRun', (arg?: unknown) => openRun(runDeps, arg)),
    vscode.commands.registerCommand('ganWorkbench.refreshRuns', () => manager.scan()),
    vscode.commands.registerCommand('ganWorkbench.installNativeBackend', (arg?: unknown) => installNativeBackendCommand(context, log, arg)),
    vscode.commands.registerCommand('ganWorkbench.applyFix', (dir?: unknown, detector?: unknown, fix?: unknown) => applyFixCommand(doctorDeps, dir, detector, fix)),
    vscode.commands.registerCommand('ganWorkbench.compareRuns', (arg?: unknown, args?: unknown) => compareRuns(doctorDeps, arg, args)),
    // The doctor follows every run's live metrics, dashboard open or not.
    manager.onRunEvent((e) => doctors.event(e)),
    manager.onRunEnded((e) => doctors.ended(e.dir, e.status)),
    doctors.onChange((c) => {
      tree.refresh();
      for (const f of c.announce) void announceFinding(doctorDeps, c.dir, f);
    }),
    vscode.commands.registerCommand('ganWorkbench.explainRun', (arg?: unknown, open?: unknown) => explainRun(runDeps, arg, open !== false)),
    manager.onRunEnded((e) => notifyEnded(e, open)),
  );

  // Run folders change under us: trainers write status.json, take and drop
  // lock.json, other windows start runs. Re-read a folder on those events.
  const pending = new Map<string, NodeJS.Timeout>();
  const touched = (uri: vscode.Uri) => {
    const dir = path.dirname(uri.fsPath);
    if (pending.has(dir)) return;
    pending.set(
      dir,
      setTimeout(() => {
        pending.delete(dir);
        manager.refresh(dir);
      }, 150),
    );
  };
  let watchers: vscode.Disposable[] = [];
  const watch = () => {
    watchers.forEach((w) => w.dispose());
    watchers = (vscode.workspace.workspaceFolders ?? []).map((folder) => {
      const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, '.gan/runs/*/{status.json,lock.json}'));
      w.onDidCreate(touched);
      w.onDidChange(touched);
      w.onDidDelete(touched);
      return w;
    });
  };
  watch();
  context.subscriptions.push(
    { dispose: () => watchers.forEach((w) => w.dispose()) },
    { dispose: () => pending.forEach((t) => clearTimeout(t)) },
    vscode.workspace.onDidChangeWorkspaceFolders(() => {
      watch();
      manager.scan();
    }),
  );

  // Find runs, reattach to live trainers, then restore dashboards of the last session.
  manager.scan();
  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state) => dashboards.restore(panel, state),
    }),
  );
  log.info(`activated; ${manager.list().length} run(s), ${manager.liveRuns().length} live`);

  return {
    runs: () => manager.list().map((e: RunEntry) => ({ ...e.summary, dir: e.dir, live: e.live, connected: e.connected })),
    refresh: () => manager.scan(),
    dashboards: () => dashboards.openDirs(),
    statusBarTexts: () => statusBar.texts(),
    dashboardInit: (dir: string) => dashboards.lastInit(dir),
    findings: (dir: string) => doctors.findings(path.resolve(dir)).map((f) => ({ detector: f.detector, severity: f.severity, active: f.active, firstStep: f.firstStep })),
    comparedWith: (dir: string) => [...dashboards.comparedWith(dir)],
    recentLog: () => log.lines(),
  };
}

function notifyEnded(e: RunEndedEvent, open: (dir: string) => void): void {
  const s = e.status;
  const show = 'Open Dashboard';
  const resume = 'Resume';
  const then = (p: string | undefined) => {
    if (p === show) open(e.dir);
    if (p === resume) void vscode.commands.executeCommand('ganWorkbench.resumeRun', e.dir);
  };
  switch (s.state) {
    case 'killed': {
      const can = runResumability(e.dir, s, false);
      const buttons = can.ok ? [resume, show] : [show];
      void vscode.window
        .showWarningMessage(
          `GAN: run ${e.id} was ${e.exit?.signal ? `killed by ${e.exit.signal}` : 'killed or crashed'} at step ${count(s.step)} of ${count(s.totalSteps)}. Every metric and sample it wrote until then is kept in its folder.` +
            (can.ok ? ` Resume continues from its checkpoint at step ${count(can.step)}.` : ''),
          ...buttons,
        )
        .then(then);
      return;
    }
    case 'failed':
    case 'diverged':
      void vscode.window.showErrorMessage(`GAN: run ${e.id} ${s.state} at step ${s.step}: ${s.error ?? 'see trainer.log in its folder'}`, show).then(then);
      return;
    case 'completed':
      void vscode.window.showInformationMessage(`GAN: run ${e.id} completed (${s.step} steps).`, show).then(then);
      return;
    default:
      vscode.window.setStatusBarMessage(`GAN: run ${e.id} ${s.state} at step ${s.step}.`, 5000);
  }
}

export function deactivate(): void {
  // Trainers keep running: they are detached and reached again through their
  // run folders by the next window. Connections close with the subscriptions.
}
