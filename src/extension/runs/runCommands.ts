/**
 * Stop Training, Open Dashboard, Open Run…, Refresh Runs. Each accepts a run
 * folder as argument (path string, Uri, or a GAN Runs tree element) so tests
 * and menus skip the pickers.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Logger } from '../logger';
import { treeDescription } from './format';
import type { RunEntry, RunManager } from './runManager';

export interface RunCommandDeps {
  manager: RunManager;
  log: Logger;
  openDashboard: (dir: string) => void;
  /** The GAN Runs tree's selection. */
  selection: () => readonly RunEntry[];
}

/** A run folder from a command argument: a path, a Uri, or a tree element `{ dir }`. */
export function runDirFromArg(arg: unknown): string | undefined {
  if (typeof arg === 'string' && arg) return path.resolve(arg);
  if (arg instanceof vscode.Uri) return arg.fsPath;
  if (arg && typeof arg === 'object') {
    const o = arg as { dir?: unknown; runDir?: unknown; fsPath?: unknown };
    for (const v of [o.dir, o.runDir, o.fsPath]) if (typeof v === 'string' && v) return path.resolve(v);
  }
  return undefined;
}

function pickItem(e: RunEntry) {
  return { label: e.id, description: treeDescription(e.summary.status), detail: e.dir, dir: e.dir };
}

export async function stopTraining(deps: RunCommandDeps, arg?: unknown): Promise<boolean> {
  let dir = runDirFromArg(arg);
  if (!dir) {
    const selected = deps.selection().find((e) => e.live);
    const live = deps.manager.liveRuns();
    if (selected) dir = selected.dir;
    else if (live.length === 0) {
      void vscode.window.showInformationMessage('GAN: no run is training.');
      return false;
    } else if (live.length === 1) dir = live[0].dir;
    else {
      const pick = await vscode.window.showQuickPick(live.map(pickItem), { title: 'GAN: Stop Training', placeHolder: 'Which run?' });
      if (!pick) return false;
      dir = pick.dir;
    }
  }
  const entry = deps.manager.get(dir) ?? deps.manager.track(dir);
  if (!entry.live) {
    void vscode.window.showInformationMessage(`GAN: ${entry.id} is not training (${entry.summary.status.state}).`);
    return false;
  }
  if (!(await deps.manager.controlWhenConnected(dir, 'stop'))) {
    void vscode.window.showErrorMessage(
      `GAN: cannot reach the trainer of ${entry.id} right now${entry.summary.status.pid ? ` (pid ${entry.summary.status.pid})` : ''}; it is reconnecting. Try again in a moment.`,
    );
    return false;
  }
  vscode.window.setStatusBarMessage(`GAN: stopping ${entry.id}…`, 3000);
  return true;
}

export function openDashboard(deps: RunCommandDeps, arg?: unknown): string | undefined {
  const dir = runDirFromArg(arg) ?? deps.selection()[0]?.dir ?? deps.manager.list()[0]?.dir;
  if (!dir) {
    void vscode.window.showInformationMessage('GAN: no runs yet. Start one with GAN: Start Training, or open a run folder with GAN: Open Run….');
    return undefined;
  }
  deps.openDashboard(dir);
  return dir;
}

export async function openRun(deps: RunCommandDeps, arg?: unknown): Promise<string | undefined> {
  let dir = runDirFromArg(arg);
  if (!dir) {
    const browse = { label: '$(folder-opened) Browse for a run folder…', description: '', detail: undefined, dir: '' };
    const pick = await vscode.window.showQuickPick([...deps.manager.list().map(pickItem), browse], {
      title: 'GAN: Open Run',
      placeHolder: 'Run to open',
      matchOnDetail: true,
    });
    if (!pick) return undefined;
    if (pick === browse) {
      const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Open Run' });
      if (!picked?.[0]) return undefined;
      dir = picked[0].fsPath;
    } else dir = pick.dir;
  }
  deps.openDashboard(dir);
  return dir;
}
