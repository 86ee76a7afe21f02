/**
 * GAN: Start Training (and GAN: Resume Run, at the end). Checks the config and compiles the model in the
 * trainer (`check`): errors become diagnostics and no run starts. Then a
 * fresh run folder, a detached trainer that outlives this window, the wait
 * for its lock, the connection, and the dashboard.
 *
 * Argument (optional): a Uri or path of a gan.config.json, or
 * `{ config, steps?, seed?, openDashboard? }`. Returns `{ runDir, runId, pid }`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { dataLabel, parseConfigText, type ResolvedConfig } from '../../protocol/config';
import type { Logger } from '../logger';
import { requireTrust } from '../trust';
import { chooseBackend, chooseNodeRuntime, NodeRuntimeError, type NodeRuntime } from './nodeRuntime';
import { createRunDir } from './runId';
import type { RunManager } from './runManager';
import { RUN_FILES } from '../../protocol/run';
import { recordExit } from './exitState';
import { runResumability } from './resumable';
import { runDirFromArg } from './runCommands';
import { runCheck, spawnTrainer, TrainerRunError, waitForTrainer, type CheckError, type TrainerCommand, type TrainOptions } from './trainerProcess';

export interface StartTrainingArgs {
  config: string | vscode.Uri;
  steps?: number;
  seed?: number;
  /** Open the dashboard once the trainer runs (default true). */
  openDashboard?: boolean;
}

export interface StartTrainingResult {
  runDir: string;
  runId: string;
  pid: number | undefined;
}

export interface StartDeps {
  context: vscode.ExtensionContext;
  manager: RunManager;
  diagnostics: vscode.DiagnosticCollection;
  log: Logger;
  openDashboard: (runDir: string) => void;
}

const CONFIG_NAME = 'gan.config.json';
/** How long the trainer may take to load before it takes its lock. */
const START_TIMEOUT_MS = 15_000;

export function trainerScriptPath(context: vscode.ExtensionContext): string {
  // GAN_WORKBENCH_TRAINER lets a test host run another trainer (e.g. the fake one).
  return process.env.GAN_WORKBENCH_TRAINER || context.asAbsolutePath(path.join('dist', 'trainer.js'));
}

export function nodeRuntimeFromSettings(): NodeRuntime {
  return chooseNodeRuntime({
    setting: vscode.workspace.getConfiguration('ganWorkbench').get<string>('nodePath'),
    envPath: process.env.PATH ?? process.env.Path,
    pathExt: process.env.PATHEXT,
    execPath: process.execPath,
  });
}

function asConfigPath(arg: unknown): string | undefined {
  if (!arg) return undefined;
  if (arg instanceof vscode.Uri) return arg.fsPath;
  if (typeof arg === 'string') return arg;
  if (typeof arg === 'object' && 'config' in arg) return asConfigPath((arg as StartTrainingArgs).config);
  if (typeof arg === 'object' && 'fsPath' in arg && typeof (arg as { fsPath: unknown }).fsPath === 'string') return (arg as { fsPath: string }).fsPath;
  return undefined;
}

async function findConfig(): Promise<string | undefined> {
  const active = vscode.window.activeTextEditor?.document;
  if (active && active.uri.scheme === 'file' && path.basename(active.uri.fsPath) === CONFIG_NAME) return active.uri.fsPath;
  const found = await vscode.workspace.findFiles(`**/${CONFIG_NAME}`, '{**/node_modules/**,**/.gan/**}', 200);
  if (found.length === 0) {
    void vscode.window.showErrorMessage(`GAN: no ${CONFIG_NAME} in this workspace. Create one with GAN: New Experiment…`);
    return undefined;
  }
  if (found.length === 1) return found[0].fsPath;
  const pick = await vscode.window.showQuickPick(
    found
      .map((u) => ({ label: vscode.workspace.asRelativePath(u, true), description: path.basename(path.dirname(u.fsPath)), uri: u }))
      .sort((a, b) => a.label.localeCompare(b.label)),
    { title: 'GAN: Start Training', placeHolder: 'Which experiment?' },
  );
  return pick?.uri.fsPath;
}

function rootFor(configPath: string): string {
  const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(configPath));
  return folder ? folder.uri.fsPath : path.dirname(configPath);
}

/** Save open, modified files of the experiment folder: the trainer reads from disk. */
async function saveExperimentFiles(configPath: string): Promise<void> {
  const dir = path.dirname(configPath) + path.sep;
  await Promise.all(vscode.workspace.textDocuments.filter((d) => d.isDirty && d.uri.scheme === 'file' && d.uri.fsPath.startsWith(dir)).map((d) => d.save()));
}

function showCheckErrors(deps: StartDeps, configPath: string, errors: readonly CheckError[]): void {
  const byFile = new Map<string, vscode.Diagnostic[]>();
  for (const e of errors) {
    const file = path.isAbsolute(e.file) ? e.file : path.resolve(path.dirname(configPath), e.file);
    const line = Math.max(0, (e.line ?? 1) - 1);
    const col = Math.max(0, (e.column ?? 1) - 1); // the trainer's columns are 1-based
    const d = new vscode.Diagnostic(new vscode.Range(line, col, line, Number.MAX_SAFE_INTEGER), e.message, vscode.DiagnosticSeverity.Error);
    d.source = 'GAN Workbench';
    byFile.set(file, [...(byFile.get(file) ?? []), d]);
  }
  for (const [file, diags] of byFile) deps.diagnostics.set(vscode.Uri.file(file), diags);
  const first = errors[0];
  const where = first ? `${vscode.workspace.asRelativePath(first.file, false)}:${first.line ?? 1}` : CONFIG_NAME;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more problem${errors.length > 2 ? 's' : ''})` : '';
  const msg = `GAN: training not started: ${where}: ${first?.message ?? 'the check failed'}${more}`;
  deps.log.error(`${msg}\n${errors.map((e) => `  ${e.file}:${e.line ?? 1}:${e.column ?? 1}: ${e.message}`).join('\n')}`);
  const open = 'Go to Error';
  const problems = 'Show Problems';
  void vscode.window.showErrorMessage(msg, open, problems).then(async (pick) => {
    if (pick === open && first) {
      const line = Math.max(0, (first.line ?? 1) - 1);
      const file = path.isAbsolute(first.file) ? first.file : path.resolve(path.dirname(configPath), first.file);
      const col = Math.max(0, (first.column ?? 1) - 1);
      await vscode.window.showTextDocument(vscode.Uri.file(file), { selection: new vscode.Range(line, col, line, col) });
    } else if (pick === problems) {
      await vscode.commands.executeCommand('workbench.actions.view.problems');
    }
  });
}

/** Remove this experiment's earlier check diagnostics. */
function clearCheckErrors(deps: StartDeps, configPath: string): void {
  const dir = path.dirname(configPath) + path.sep;
  deps.diagnostics.forEach((uri) => {
    if (uri.fsPath.startsWith(dir)) deps.diagnostics.delete(uri);
  });
}

export async function startTraining(deps: StartDeps, arg?: unknown): Promise<StartTrainingResult | undefined> {
  if (!requireTrust('startTraining')) return undefined;
  const opts: Partial<StartTrainingArgs> = arg && typeof arg === 'object' && !(arg instanceof vscode.Uri) && 'config' in arg ? (arg as StartTrainingArgs) : {};
  const chosen = asConfigPath(arg) ?? (await findConfig());
  if (!chosen) return undefined;
  const configPath = path.resolve(chosen);
  if (path.basename(configPath) !== CONFIG_NAME || !fs.existsSync(configPath)) {
    void vscode.window.showErrorMessage(`GAN: ${configPath} is not a ${CONFIG_NAME} file.`);
    return undefined;
  }
  await saveExperimentFiles(configPath);
  const cmd = trainerCommand(deps);
  if (!cmd) return undefined;

  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'GAN: Start Training' }, async (progress) => {
    progress.report({ message: 'checking the config and compiling the model…' });
    try {
      const check = await runCheck(cmd, configPath);
      if (!check.ok) {
        clearCheckErrors(deps, configPath);
        showCheckErrors(deps, configPath, check.errors.length ? check.errors : [{ file: configPath, line: 1, message: 'the trainer rejected the config without saying why' }]);
        return undefined;
      }
    } catch (e) {
      const msg = `GAN: could not check ${vscode.workspace.asRelativePath(configPath)}: ${(e as Error).message}`;
      deps.log.error(msg);
      void vscode.window.showErrorMessage(msg);
      return undefined;
    }
    clearCheckErrors(deps, configPath);

    let config: ResolvedConfig;
    try {
      config = parseConfigText(fs.readFileSync(configPath, 'utf8'), configPath);
    } catch (e) {
      void vscode.window.showErrorMessage(`GAN: ${(e as Error).message}`);
      return undefined;
    }
    const backend = chooseBackend(config.backend, vscode.workspace.getConfiguration('ganWorkbench').get<string>('backend'));
    const { id, dir } = createRunDir(rootFor(configPath), config.name, new Date());
    progress.report({ message: `starting the trainer for ${id}…` });
    deps.log.info(`${id}: starting (${config.variant} on ${dataLabel(config.data)}, backend ${backend}) in ${dir}`);
    return launchTrainer(deps, cmd, { id, totalSteps: config.training.steps, openDashboard: opts.openDashboard !== false }, {
      configPath,
      runDir: dir,
      backend,
      steps: opts.steps,
      seed: opts.seed,
    });
  });
}

/** The node runtime and trainer script, or undefined after telling the user what is missing. */
function trainerCommand(deps: StartDeps): TrainerCommand | undefined {
  let runtime: NodeRuntime;
  try {
    runtime = nodeRuntimeFromSettings();
  } catch (e) {
    if (!(e instanceof NodeRuntimeError)) throw e;
    void vscode.window.showErrorMessage(e.message, 'Open Settings').then((p) => {
      if (p) void vscode.commands.executeCommand('workbench.action.openSettings', 'ganWorkbench.nodePath');
    });
    return undefined;
  }
  const script = trainerScriptPath(deps.context);
  if (!fs.existsSync(script)) {
    void vscode.window.showErrorMessage(`GAN: the trainer is not built (${script} is missing). Run npm run build in the extension folder.`);
    return undefined;
  }
  deps.log.info(`trainer: ${runtime.command} ${script} (node from ${runtime.source})`);
  return { runtime, trainerScript: script };
}

/**
 * Start a detached trainer on a run folder (new or resumed), wait for its
 * lock, follow it with the run manager and open its dashboard. On a failed
 * start: record how it ended and show the tail of trainer.log.
 */
async function launchTrainer(
  deps: StartDeps,
  cmd: TrainerCommand,
  run: { id: string; totalSteps: number; openDashboard: boolean },
  train: TrainOptions,
): Promise<StartTrainingResult | undefined> {
  const { id } = run;
  const dir = train.runDir;
  const spawned = spawnTrainer(cmd, train);
  try {
    await waitForTrainer(dir, spawned.exit, START_TIMEOUT_MS);
  } catch (e) {
    if (spawned.pid && spawned.child.exitCode === null && spawned.child.signalCode === null) {
      spawned.child.kill('SIGTERM'); // it never came up; don't leave it running unseen
    }
    const exit = await Promise.race([spawned.exit, new Promise<undefined>((r) => setTimeout(() => r(undefined), 2000))]);
    try {
      recordExit(dir, exit, { totalSteps: run.totalSteps });
    } catch {
      /* the folder may be gone; the message below says what happened */
    }
    deps.manager.refresh(dir);
    const detail = e instanceof TrainerRunError ? e.detail : '';
    const head = e instanceof TrainerRunError ? e.message.split('\n')[0] : (e as Error).message;
    deps.log.error(`${id}: ${head}\n${detail}`);
    const openLog = 'Open trainer.log';
    void vscode.window.showErrorMessage(`GAN: ${id}: ${head}${detail ? ` Last lines of trainer.log:\n${detail}` : ''}`, openLog).then((p) => {
      if (p) void vscode.window.showTextDocument(vscode.Uri.file(path.join(dir, 'trainer.log')));
    });
    return undefined;
  }
  deps.manager.adopt(dir, spawned.exit);
  if (run.openDashboard) {
    try {
      deps.openDashboard(dir);
    } catch (e) {
      deps.log.error(`${id}: could not open the dashboard: ${(e as Error).stack ?? String(e)}`);
    }
  }
  return { runDir: dir, runId: id, pid: spawned.pid };
}

export interface ResumeRunArgs {
  runDir: string;
  /** New total of generator steps (to extend a run); default: the run's own. */
  steps?: number;
  /** Open the dashboard once the trainer runs (default true). */
  openDashboard?: boolean;
}

/**
 * GAN: Resume Run. Continues a killed, stopped or failed run in its own
 * folder from its last good checkpoint (`trainer train --resume DIR`),
 * through the same detached start, lock wait and attach as Start Training,
 * on the backend the run trained on (same backend, same numbers).
 *
 * Argument (optional): a run folder (path, Uri, GAN Runs tree element) or
 * `{ runDir, steps?, openDashboard? }`. Returns `{ runDir, runId, pid }`.
 */
export async function resumeRun(deps: StartDeps, arg?: unknown): Promise<StartTrainingResult | undefined> {
  if (!requireTrust('resumeRun')) return undefined;
  const opts: Partial<ResumeRunArgs> = arg && typeof arg === 'object' && 'runDir' in arg ? (arg as ResumeRunArgs) : {};
  let dir = runDirFromArg(arg);
  if (!dir) {
    const candidates = deps.manager.list().filter((e) => runResumability(e.dir, e.summary.status, e.live).ok);
    if (candidates.length === 0) {
      void vscode.window.showInformationMessage('GAN: no run to resume. A run can be resumed when it was killed, stopped or failed after writing a checkpoint.');
      return undefined;
    }
    const pick =
      candidates.length === 1
        ? candidates[0]
        : (
            await vscode.window.showQuickPick(
              candidates.map((e) => ({ label: e.id, description: `${e.summary.status.state} at step ${e.summary.status.step}`, detail: e.dir, entry: e })),
              { title: 'GAN: Resume Run', placeHolder: 'Which run?' },
            )
          )?.entry;
    if (!pick) return undefined;
    dir = pick.dir;
  }
  const entry = deps.manager.get(dir) ?? deps.manager.track(dir);
  const can = runResumability(dir, entry.summary.status, entry.live);
  if (!can.ok) {
    void vscode.window.showErrorMessage(`GAN: cannot resume ${entry.id}: ${can.reason}.`);
    return undefined;
  }
  if (!entry.config) {
    void vscode.window.showErrorMessage(`GAN: cannot resume ${entry.id}: ${entry.warnings[0] ?? 'its config.json is unreadable'}.`);
    return undefined;
  }
  const cmd = trainerCommand(deps);
  if (!cmd) return undefined;
  const config = entry.config;
  const backend = entry.summary.status.backend?.name ?? chooseBackend(config.backend, vscode.workspace.getConfiguration('ganWorkbench').get<string>('backend'));
  const runDir = dir;
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'GAN: Resume Run' }, async (progress) => {
    progress.report({ message: `resuming ${entry.id} from its checkpoint at step ${can.step}…` });
    deps.log.info(`${entry.id}: resuming from step ${can.step} (backend ${backend}) in ${runDir}`);
    return launchTrainer(
      deps,
      cmd,
      { id: entry.id, totalSteps: opts.steps ?? config.training.steps, openDashboard: opts.openDashboard !== false },
      { configPath: path.join(runDir, RUN_FILES.config), runDir, backend, steps: opts.steps, resume: true },
    );
  });
}
