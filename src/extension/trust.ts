/**
 * Workspace trust. In an untrusted workspace nothing that compiles or runs
 * code from the workspace starts: New Experiment and Start Training refuse
 * with a message that says why (trustPolicy.ts). Viewing runs works.
 */
import * as vscode from 'vscode';
import { untrustedRefusal, type TrustedAction } from './trustPolicy';

/** True when the workspace is trusted; otherwise tells the user why the action is refused. */
export function requireTrust(action: TrustedAction): boolean {
  const refusal = untrustedRefusal(action, vscode.workspace.isTrusted);
  if (!refusal) return true;
  const manage = 'Manage Workspace Trust';
  void vscode.window.showWarningMessage(refusal, manage).then((pick) => {
    if (pick === manage) void vscode.commands.executeCommand('workbench.trust.manage');
  });
  return false;
}
