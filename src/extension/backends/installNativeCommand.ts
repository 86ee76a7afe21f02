/**
 * GAN: Install Native Backend: pick the binding, install it with progress
 * (cancellable), say how it went. The work is installNative.ts.
 */
import * as vscode from 'vscode';
import type { Logger } from '../logger';
import { findOnPath } from '../runs/nodeRuntime';
import { installNative, NATIVE_PACKAGES, type NativeBackend } from './installNative';

export async function installNativeBackendCommand(context: vscode.ExtensionContext, log: Logger, arg?: unknown): Promise<boolean> {
  let backend = typeof arg === 'string' && arg in NATIVE_PACKAGES ? (arg as NativeBackend) : undefined;
  if (!backend) {
    const pick = await vscode.window.showQuickPick(
      (Object.keys(NATIVE_PACKAGES) as NativeBackend[]).map((b) => ({ label: NATIVE_PACKAGES[b].label, backend: b })),
      { title: 'GAN: Install Native Backend', placeHolder: 'Which TensorFlow binding to install for the trainer' },
    );
    if (!pick) return false;
    backend = pick.backend;
  }
  const npm = findOnPath('npm', { envPath: process.env.PATH, pathExt: process.env.PATHEXT }) ?? 'npm';
  const cwd = context.extensionPath;
  const pkg = NATIVE_PACKAGES[backend].pkg;
  log.info(`installing ${pkg} in ${cwd} with ${npm}`);
  const outcome = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `GAN: installing ${pkg}`, cancellable: true },
    (progress, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      return installNative({
        npm,
        cwd,
        backend: backend!,
        signal: abort.signal,
        onLine: (line) => {
          log.info(`npm: ${line}`);
          progress.report({ message: line.length > 100 ? `${line.slice(0, 97)}…` : line });
        },
      });
    },
  );
  if (outcome.ok) {
    log.info(outcome.message);
    void vscode.window.showInformationMessage(`GAN: ${outcome.message}`);
  } else {
    log.warn(outcome.message);
    if (outcome.reason !== 'cancelled') void vscode.window.showErrorMessage(`GAN: ${outcome.message}`, 'Show Log').then((c) => c && vscode.commands.executeCommand('workbench.action.output.show'));
  }
  return outcome.ok;
}
