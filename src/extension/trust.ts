/**
 * Workspace trust. In an untrusted workspace nothing that compiles or runs
 * code from the workspace starts: New Experiment (it writes model code meant
 * to be run) and Start Training (it compiles and runs model.ts) refuse with
 * a message that says why. Viewing runs and dashboards works.
 */
import * as vscode from 'vscode';

const WHY: Record<'newExperiment' | 'startTraining', string> = {
  newExperiment: 'GAN: New Experiment is disabled in an untrusted workspace: it writes model code that training would compile and run.',
  startTraining:
    'GAN: Start Training is disabled in an untrusted workspace: it would compile and run the model code (model.ts) from this workspace in a trainer process.',
};

/** True when the workspace is trusted; otherwise tells the user why the action is refused. */
export function requireTrust(action: keyof typeof WHY): boolean {
  if (vscode.workspace.isTrusted) return true;
  const manage = 'Manage Workspace Trust';
  void vscode.window.showWarningMessage(`${WHY[action]} Trust this workspace to use it; finished runs and dashboards can be viewed without trust.`, manage).then((pick) => {
    if (pick === manage) void vscode.commands.executeCommand('workbench.trust.manage');
  });
  return false;
}
