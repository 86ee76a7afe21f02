/**
 * Fault injection: short trainings through the real trainer CLI, each hit by
 * one fault at a seeded random moment — SIGKILL, SIGTERM, a NaN, a full disk
 * (a small tmpfs; ENOSPC), a file-size limit (EFBIG), a torn metrics line, a
 * stale lock, a window reload (controller disconnect and reconnect) — then
 * recovered the way a user would (`train --resume`, or a fresh start when
 * the fault came before the run folder existed) and checked with the
 * project's own readers against one uninterrupted run of the same config.
 * Prints a table and writes it to bench/results/faults.md.
 *
 *   npm run build && npx tsx bench/faults.ts [--seeds 3] [--quick] [--only kill,nan] [--keep] [--out bench/results/faults.md]
 *
 * The seeds decide what is injected (delays, limits, cut lengths); where a
 * timed fault lands depends on the machine's speed, so the "landed at"
 * column is measured, not drawn.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { Rng } from '../src/trainer/rng';
import { capture, corruptCheckpoints, judgeMetrics, type FolderState } from './faultlib/folder';
import { killAll } from './faultlib/proc';
import { FAULTS, probeMount, referenceRun, type Trial, type TrialContext } from './faultlib/trials';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '3' },
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    keep: { type: 'boolean', default: false },
    out: { type: 'string', default: 'bench/results/faults.md' },
  },
});
const seeds = values.quick ? 1 : Number(values.seeds);
if (!Number.isInteger(seeds) || seeds < 1) throw new Error(`--seeds must be a positive integer, got '${values.seeds}'`);
const only = values.only?.split(',');
const unknown = only?.filter((f) => !FAULTS.some((x) => x.id === f));
if (unknown?.length) throw new Error(`--only: unknown fault(s) ${unknown.join(', ')}; choose from ${FAULTS.map((f) => f.id).join(', ')}`);

interface Row {
  fault: string;
  seed: number;
  trial: Trial;
  lost: number;
  duplicates: number;
  differs: number;
  corrupted: number;
  recovered: boolean;
  problems: string[];
}

function judge(fault: string, seed: number, trial: Trial, reference: string[], referenceFinalSha: string | undefined): Row {
  const problems = [...trial.problems];
  const final = trial.final;
  const m = judgeMetrics(trial.before, final, reference);
  problems.push(...m.problems);
  const all: FolderState[] = [...trial.before.map((b) => b.state), ...trial.extraStates, final];
  const c = corruptCheckpoints(all);
  problems.push(...c.problems);
  if (final.warnings.length) problems.push(`final log: ${final.warnings.join('; ')}`);
  if (final.leftovers.length) problems.push(`leftover temporary files: ${final.leftovers.join(', ')}`);
  if (final.state !== 'completed') problems.push(`final state ${final.state}${final.error ? ` (${final.error})` : ''}`);
  if (final.locked) problems.push('lock.json left behind after the final run');
  const last = final.checkpoints.at(-1);
  if (referenceFinalSha && last?.sha256 !== referenceFinalSha) problems.push(`final checkpoint (step ${last?.step}) weights differ from the uninterrupted run's`);
  const recovered = trial.recovered && final.state === 'completed' && !final.locked && m.lost === 0 && m.duplicates === 0 && c.count === 0 && final.warnings.length === 0;
  return { fault, seed, trial, lost: m.lost, duplicates: m.duplicates, differs: m.differs, corrupted: c.count, recovered, problems };
}

function table(rows: Row[]): string[] {
  const out = [
    '| fault | trials | faults injected | runs recovered | metric lines lost | duplicate lines | checkpoints corrupted | lines differing from the uninterrupted run | trials with other findings |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  const sum = (rs: Row[], f: (r: Row) => number) => rs.reduce((a, r) => a + f(r), 0);
  const groups = [...FAULTS.filter((f) => rows.some((r) => r.fault === f.id)).map((f) => [f.title, rows.filter((r) => r.fault === f.id)] as const), ['**all**', rows] as const];
  for (const [title, rs] of groups) {
    const inj = rs.filter((r) => r.trial.injected);
    out.push(`| ${title} | ${rs.length} | ${inj.length} | ${sum(inj, (r) => (r.recovered ? 1 : 0))} / ${inj.length} | ${sum(rs, (r) => r.lost)} | ${sum(rs, (r) => r.duplicates)} | ${sum(rs, (r) => r.corrupted)} | ${sum(rs, (r) => r.differs)} | ${rs.filter((r) => r.problems.length).length} |`);
  }
  return out;
}

function details(rows: Row[]): string[] {
  const out = ['| fault | seed | drawn | landed at | recovery | result |', '|---|---|---|---|---|---|'];
  for (const r of rows) {
    const res = !r.trial.injected ? `not injected: ${r.trial.landed}` : r.recovered && r.problems.length === 0 ? 'ok' : r.problems.join('; ').replace(/\|/g, '\\|');
    out.push(`| ${r.fault} | ${r.seed} | ${r.trial.drawn} | ${r.trial.injected ? r.trial.landed : '–'} | ${r.trial.recovery} | ${res} |`);
  }
  return out;
}

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ganwb-faults-'));
  const t0 = Date.now();
  const quick = values.quick;
  const ref = await referenceRun(work, quick);
  const refLines = ref.final.lines;
  const refSha = ref.final.checkpoints.at(-1)?.sha256;
  process.stdout.write(`reference: ${refLines.length} metrics lines, ${(ref.wallMs / 1000).toFixed(1)} s wall (${(ref.startMs / 1000).toFixed(1)} s to the first line), ${ref.usageKiB} KiB on disk\n`);
  const mount = probeMount(work);
  const rows: Row[] = [];
  for (const f of FAULTS) {
    if (only && !only.includes(f.id)) continue;
    for (let seed = 1; seed <= seeds; seed++) {
      // One stream per (fault, seed): adding a fault or a seed leaves the others' draws as they were.
      const rng = new Rng(Math.imul(seed, 0x9e3779b1) ^ (FAULTS.indexOf(f) + 1) * 0x85ebca6b);
      const dir = fs.mkdtempSync(path.join(work, `${f.id}-${seed}-`));
      const ctx: TrialContext = { dir, seed, rng, ref, mount: mount.ok };
      let trial: Trial;
      try {
        trial = await f.run(ctx);
      } catch (e) {
        const st = capture(path.join(dir, 'run'));
        trial = { injected: true, drawn: '', landed: '', recovery: 'bench error', recovered: false, before: [], extraStates: [], final: st, problems: [`bench error: ${(e as Error).stack ?? e}`], stderr: '' };
      }
      const row = judge(f.id, seed, trial, refLines, refSha);
      rows.push(row);
      process.stdout.write(`${f.id} seed ${seed}: ${trial.drawn}; ${trial.injected ? `landed at ${trial.landed}` : `not injected (${trial.landed})`}; ${row.recovered ? 'recovered' : 'NOT recovered'}, lost ${row.lost}, corrupted ${row.corrupted}${row.problems.length ? ` — ${row.problems.join('; ')}` : ''}\n`);
      if (!values.keep) fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  const secs = ((Date.now() - t0) / 1000).toFixed(0);
  const header = `GAN Workbench fault injection — ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), node ${process.version}, wasm backend, seeds 1–${seeds}${quick ? ' (--quick)' : ''}, ${secs} s`;
  const summary = table(rows);
  process.stdout.write(['', header, ...summary, ''].join('\n'));
  const md = [
    '# Fault injection (bench/faults.ts)',
    '',
    `Command: \`npm run build && npx tsx bench/faults.ts --seeds ${seeds}${quick ? ' --quick' : ''}\`. Every trial trains ${ref.steps} steps of gan-ns on 8 Gaussians (tiny MLP, batch 32, a metrics line every ${ref.cfg.logging.metricsEvery} steps, a checkpoint every ${ref.cfg.logging.checkpointEvery}) through the trainer CLI on the wasm backend, injects one fault at a seeded random moment, recovers the run as a user would and checks the folder with the project's own readers against one uninterrupted run of the same config (${refLines.length} lines).`,
    '',
    header,
    '',
    ...summary,
    '',
    '## Faults',
    '',
    ...FAULTS.map((f) => `- **${f.title}** (\`${f.id}\`): ${f.describe}`),
    ...(mount.ok ? [] : ['', `tmpfs could not be mounted here (${mount.reason}); the disk-full trials did not run.`]),
    '',
    '## Definitions',
    '',
    '- *faults injected*: trials where the fault hit a live trainer (a signal sent to a running process, a write that failed, a NaN the trainer met, a lock or a torn line it had to deal with, a reload while it trained). A timed fault that lands after the run ended is counted as not injected.',
    '- *runs recovered*: after the fault (and, for NaN, the `diverged` end: exit 4, a diagnosis naming the non-finite quantity, no checkpoint after it), the run could be resumed with `train --resume` (a fresh start where the fault came before `config.json` existed) and ended `completed` at its last step, lock released, log without warnings, no checkpoint corrupted, no line lost.',
    '- *metric lines lost*: a complete line (ending in a newline) on disk before a recovery is lost when the final log does not hold it byte for byte (lines up to the checkpoint the resume continues from), or does not hold a line of the same step with the same values (later lines, which a resume supersedes, docs/run-folder.md); a step of the uninterrupted run missing from the final log is lost too. A torn last line was never a complete line and is not counted.',
    '- *checkpoints corrupted*: a directory the folder lists as a checkpoint (before or after recovery) that does not load and verify with `readCheckpoint` (manifest schema, size, SHA-256). The final checkpoint is also compared with the uninterrupted run\'s: same weights, bit for bit.',
    '- *lines differing*: final lines whose values (all but `time`, `stepsPerSec`) differ from the uninterrupted run\'s; on one backend a resumed run repeats its steps exactly.',
    '- *other findings*: trials where any other check failed (temporary files left behind, a log that reads with warnings, a wrong exit code or end state, a controller that missed the greeting or a record); each is listed under Trials.',
    '',
    '## Trials',
    '',
    ...details(rows),
    '',
  ];
  fs.mkdirSync(path.dirname(values.out), { recursive: true });
  fs.writeFileSync(values.out, md.join('\n'));
  process.stdout.write(`written to ${values.out}\n`);
  if (!values.keep) fs.rmSync(work, { recursive: true, force: true });
  else process.stdout.write(`kept ${work}\n`);
  const bad = rows.filter((r) => r.lost || r.corrupted || r.duplicates || r.differs || r.problems.length || (r.trial.injected && !r.recovered));
  process.exitCode = bad.length ? 1 : 0;
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => (killAll(), process.exit(130)));
let finished = false;
// A trial waiting on something that can no longer happen would let Node exit quietly with code 0.
process.on('beforeExit', () => {
  if (finished) return;
  process.stderr.write('bench ended with a trial still waiting (a bug in bench/faultlib)\n');
  process.exit(1);
});
main().then(() => (finished = true), (e) => {
  killAll();
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
