/** One status bar item per live run: `$(pulse) name step/total · x steps/s · backend`. */
import * as vscode from 'vscode';
import { statusBarText, treeTooltip } from './format';
import type { RunManager } from './runManager';

export class RunStatusBar implements vscode.Disposable {
  private readonly items = new Map<string, vscode.StatusBarItem>();
  private readonly sub: vscode.Disposable;

  constructor(private readonly manager: RunManager) {
    this.sub = manager.onDidChangeRuns(() => this.update());
    this.update();
  }

  update(): void {
    const live = this.manager.liveRuns();
    const keep = new Set(live.map((e) => e.dir));
    for (const [dir, item] of this.items) {
      if (!keep.has(dir)) {
        item.dispose();
        this.items.delete(dir);
      }
    }
    live.forEach((e, i) => {
      let item = this.items.get(e.dir);
      if (!item) {
        item = vscode.window.createStatusBarItem(`ganWorkbench.run.${e.id}`, vscode.StatusBarAlignment.Left, 50 - i);
        item.name = `GAN run ${e.id}`;
        item.command = { command: 'ganWorkbench.openDashboard', title: 'Open Dashboard', arguments: [e.dir] };
        this.items.set(e.dir, item);
      }
      item.text = statusBarText(e.summary);
      item.tooltip = `${treeTooltip(e.summary, e.dir)}\n\nClick to open the dashboard.`;
      item.show();
    });
  }

  /** Texts shown now (for tests through the API). */
  texts(): string[] {
    return [...this.items.values()].map((i) => i.text);
  }

  dispose(): void {
    this.sub.dispose();
    for (const item of this.items.values()) item.dispose();
    this.items.clear();
  }
}
