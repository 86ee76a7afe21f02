/** The GAN Runs view: every run of every workspace folder, newest first. */
import * as vscode from 'vscode';
import type { RunEntry, RunManager } from './runManager';
import { STATE_COLORS, STATE_ICONS, treeDescription, treeTooltip } from './format';
import { runResumability } from './resumable';

export const RUNS_VIEW_ID = 'ganWorkbench.runs';

export class RunsTreeProvider implements vscode.TreeDataProvider<RunEntry>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<RunEntry | undefined | void>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private readonly sub: vscode.Disposable;

  constructor(
    private readonly manager: RunManager,
    /** The training doctor's findings of a run: the active serious ones show in its row. */
    private readonly findings: (dir: string) => readonly { title: string; severity: string; active: boolean }[] = () => [],
  ) {
    this.sub = manager.onDidChangeRuns(() => this.changeEmitter.fire());
  }

  /** Redraw the rows (the doctor's findings changed). */
  refresh(): void {
    this.changeEmitter.fire();
  }

  getChildren(element?: RunEntry): RunEntry[] {
    return element ? [] : this.manager.list();
  }

  getTreeItem(e: RunEntry): vscode.TreeItem {
    const item = new vscode.TreeItem(e.id, vscode.TreeItemCollapsibleState.None);
    const status = e.summary.status;
    item.id = e.dir;
    const found = this.findings(e.dir);
    const serious = found.filter((f) => f.active && f.severity === 'serious');
    item.description = treeDescription(status) + (serious.length ? ` · ⚠ ${serious.map((f) => f.title).join(', ')}` : '');
    const color = STATE_COLORS[status.state];
    item.iconPath = new vscode.ThemeIcon(STATE_ICONS[status.state], color ? new vscode.ThemeColor(color) : undefined);
    item.tooltip = treeTooltip(e.summary, e.dir, e.warnings) + (found.length ? `\nDiagnosis: ${found.map((f) => `${f.title} (${f.severity}${f.active ? '' : ', earlier'})`).join('; ')}` : '');
    // ganRun.resumable: ended without completing, with a checkpoint (GAN: Resume Run is offered).
    item.contextValue = e.live ? 'ganRun.live' : runResumability(e.dir, status, e.live).ok ? 'ganRun.resumable' : 'ganRun';
    item.resourceUri = vscode.Uri.file(e.dir);
    item.command = { command: 'ganWorkbench.openDashboard', title: 'Open Dashboard', arguments: [e.dir] };
    return item;
  }

  dispose(): void {
    this.sub.dispose();
    this.changeEmitter.dispose();
  }
}
