/**
 * The doctor in the editor: a notification for a new serious finding (once
 * per finding and run), GAN: Apply Fix (a new run from the old config with
 * one fix, started and compared with the old run) and GAN: Compare Runs
 * (pick two or more runs from the tree or a list).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LiveFinding } from '../../doctor/liveDoctor';
import { RUN_FILES, type RunOrigin } from '../../protocol/run';
import { writeJsonAtomic } from '../../runfolder/atomic';
import type { Logger } from '../logger';
import type { RunManager } from '../runs/runManager';
import type { StartTrainingResult } from '../runs/startTraining';
import { writeFixedExperiment } from './applyFix';
import type { RunDoctors } from './runDoctors';

export interface DoctorDeps {
  manager: RunManager;
  doctors: RunDoctors;
  log: Logger;
  /** Open a run's dashboard, drawing `compareWith` over it. */
  openDashboard(dir: string, compareWith?: readonly string[]): void;
  selection(): readonly { dir: string }[];
}

/** The notification for a new serious finding: what was seen, and its first fix one click away. */
export async function announceFinding(deps: DoctorDeps, dir: string, f: LiveFinding): Promise<void> {
  const show = 'Open Dashboard';
  const fix = f.fixes[0] ? `Apply fix: ${f.fixes[0].label}` : undefined;
  const pick = await vscode.window.showWarningMessage(
    `GAN: ${path.basename(dir)} — ${f.title} (step ${f.firstStep}): ${f.evidence.seen}.`,
    ...(fix ? [fix, show] : [show]),
  );
  if (pick === show) deps.openDashboard(dir);
  if (fix && pick === fix) await applyFixCommand(deps, dir, f.detector, 0);
}

/** GAN: Apply Fix — returns the new run's folder, or undefined when nothing started. */
export async function applyFixCommand(deps: DoctorDeps, dir: unknown, detector: unknown, fixIndex: unknown): Promise<string | undefined> {
  if (typeof dir !== 'string' || typeof detector !== 'string' || typeof fixIndex !== 'number') {
    void vscode.window.showErrorMessage('GAN: Apply Fix needs a run folder, a finding and a fix; use the Apply fix buttons of the Diagnosis panel.');
    return undefined;
  }
  const finding = deps.doctors.findings(dir).find((f) => f.detector === detector);
  const fix = finding?.fixes[fixIndex];
  if (!finding || !fix) {
    void vscode.window.showErrorMessage(`GAN: ${path.basename(dir)} has no fix ${fixIndex + 1} for '${detector}' (the diagnosis may have changed); reopen its dashboard.`);
    return undefined;
  }
  let made;
  try {
    made = writeFixedExperiment(dir, detector, fix);
  } catch (e) {
    void vscode.window.showErrorMessage(`GAN: could not make the fixed run: ${(e as Error).message}`);
    return undefined;
  }
  deps.log.info(`Apply fix "${fix.label}" to ${path.basename(dir)}: ${made.config}`);
  // Start Training checks trust, compiles the model and opens the new run's dashboard.
  const started = (await vscode.commands.executeCommand('ganWorkbench.startTraining', made.config)) as StartTrainingResult | undefined;
  if (!started) return undefined;
  // Where the run came from, for Explain Run's "what was tried".
  const origin: RunOrigin = { fromRun: dir, detector, finding: finding.title, fix: fix.label, createdAt: new Date().toISOString() };
  try {
    writeJsonAtomic(path.join(started.runDir, RUN_FILES.origin), origin);
  } catch (e) {
    deps.log.warn(`${started.runId}: could not record its origin: ${(e as Error).message}`);
  }
  deps.openDashboard(started.runDir, [dir]);
  return started.runDir;
}

/** GAN: Compare Runs — the first run's dashboard with the others drawn over it. */
export async function compareRuns(deps: DoctorDeps, arg?: unknown, args?: unknown): Promise<string[] | undefined> {
  const fromArgs = (Array.isArray(args) ? args : Array.isArray(arg) ? arg : [])
    .map((a: unknown) => (typeof a === 'string' ? a : a && typeof a === 'object' && typeof (a as { dir?: unknown }).dir === 'string' ? (a as { dir: string }).dir : undefined))
    .filter((d): d is string => !!d);
  let dirs = fromArgs.length ? fromArgs : deps.selection().map((e) => e.dir);
  if (dirs.length < 2) {
    const picks = await vscode.window.showQuickPick(
      deps.manager.list().map((e) => ({ label: e.id, description: `${e.summary.variant} · ${e.summary.status.state}`, dir: e.dir, picked: dirs.includes(e.dir) })),
      { title: 'GAN: Compare Runs', placeHolder: 'Pick two or more runs: the first one\'s dashboard draws the others dashed', canPickMany: true },
    );
    if (!picks) return undefined;
    dirs = picks.map((p) => p.dir);
  }
  if (dirs.length < 2) {
    void vscode.window.showInformationMessage('GAN: pick at least two runs to compare.');
    return undefined;
  }
  deps.openDashboard(dirs[0], dirs.slice(1));
  return dirs;
}
