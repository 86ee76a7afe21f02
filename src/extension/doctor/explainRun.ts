/**
 * GAN: Explain Run — write the training doctor's Markdown report into the run
 * folder (report.md + report/*.png, src/doctor/report) and open its preview.
 * Reads the folder only, runs no user code: allowed in untrusted workspaces.
 */
import * as vscode from 'vscode';
import { writeExplainReport } from '../../doctor/report/explain';
import type { Logger } from '../logger';
import { treeDescription } from '../runs/format';
import { runDirFromArg, type RunCommandDeps } from '../runs/runCommands';

export async function explainRun(deps: Pick<RunCommandDeps, 'manager' | 'selection'> & { log: Logger }, arg?: unknown, open = true): Promise<string | undefined> {
  let dir = runDirFromArg(arg) ?? deps.selection()[0]?.dir;
  if (!dir) {
    const runs = deps.manager.list();
    if (!runs.length) {
      void vscode.window.showInformationMessage('GAN: no runs to explain yet. Train one with GAN: Start Training, or open a run folder with GAN: Open Run….');
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(
      runs.map((e) => ({ label: e.id, description: treeDescription(e.summary.status), detail: e.dir, dir: e.dir })),
      { title: 'GAN: Explain Run', placeHolder: 'Run to explain', matchOnDetail: true },
    );
    if (!pick) return undefined;
    dir = pick.dir;
  }
  let file: string;
  try {
    file = writeExplainReport(dir);
  } catch (e) {
    deps.log.error(`Explain Run ${dir}: ${(e as Error).stack ?? e}`);
    void vscode.window.showErrorMessage(`GAN: could not write the report of ${dir}: ${(e as Error).message}`);
    return undefined;
  }
  deps.log.info(`Explain Run: wrote ${file}`);
  if (open) await vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.file(file));
  return file;
}
