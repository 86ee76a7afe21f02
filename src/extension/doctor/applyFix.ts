/**
 * Apply fix: a new experiment made from a run's own config (as resolved when
 * it started) and model source, with one doctor fix merged in and validated,
 * written next to the workspace's other experiments; then training starts and
 * the comparison opens. The fixed experiment is ordinary, editable files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { applyFix, type Fix } from '../../doctor/detectors';
import type { ResolvedConfig } from '../../protocol/config';
import { RUN_FILES, RUNS_DIR } from '../../protocol/run';
import { readRunFolder } from '../../runfolder/read';

export interface FixedExperiment {
  readonly folder: string;
  readonly config: string;
  readonly resolved: ResolvedConfig;
}

/** The workspace folder a run folder belongs to (<workspace>/.gan/runs/<id>), or the run's parent. */
export function workspaceOf(runDir: string): string {
  const runs = path.dirname(runDir);
  const ws = path.resolve(runs, ...RUNS_DIR.split('/').map(() => '..'));
  return path.join(ws, RUNS_DIR) === runs ? ws : path.dirname(runDir);
}

/** A config name for the fixed run: the old name plus the detector, within the schema's 64 characters. */
export function fixedName(name: string, detector: string, taken: (n: string) => boolean): string {
  const base = `${name}-fix-${detector}`.slice(0, 60).replace(/[^A-Za-z0-9._-]/g, '-');
  for (let i = 1; i < 100; i++) {
    const n = i === 1 ? base : `${base}-${i}`;
    if (!taken(n)) return n;
  }
  return `${base}-${Date.now() % 1000}`;
}

/** Write `<workspace>/<name>-fix-<detector>/{gan.config.json, model.ts}`; throws with the reason when it cannot. */
export function writeFixedExperiment(runDir: string, detector: string, fix: Fix): FixedExperiment {
  const run = readRunFolder(runDir);
  if (!run.config) throw new Error(`${run.id} has no readable config.json, so there is no config to fix (${run.warnings.join('; ')})`);
  const modelSrc = path.join(runDir, RUN_FILES.model);
  if (!fs.existsSync(modelSrc)) throw new Error(`${run.id} has no copy of its model (${RUN_FILES.model}), so the fixed run could not train the same networks`);
  const ws = workspaceOf(runDir);
  const name = fixedName(run.config.name, detector, (n) => fs.existsSync(path.join(ws, n)));
  const resolved = applyFix({ ...run.config, name, model: { ...run.config.model, file: 'model.ts' } }, fix);
  const folder = path.join(ws, name);
  fs.mkdirSync(folder, { recursive: true });
  // The resolved config spells out every default the broken run used, so the two differ only by the fix.
  const config = path.join(folder, 'gan.config.json');
  fs.writeFileSync(config, `${JSON.stringify({ ...resolved, $schema: undefined }, null, 2)}\n`);
  fs.copyFileSync(modelSrc, path.join(folder, 'model.ts'));
  return { folder, config, resolved };
}
