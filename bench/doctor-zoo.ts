/**
 * The training doctor on runs whose outcome is known (bench/lib/zoo.ts):
 * per failure, detection precision and recall over several seeds, the steps
 * it took to detect, and for every broken run the outcome after the doctor's
 * first suggested fix beside the broken run's own.
 *
 * With --fixes N, each broken run is also retrained with each of its first N
 * fixes, and a second table sets those outcomes side by side.
 *
 *   npm run build && npx tsx bench/doctor-zoo.ts [--seeds 3] [--only id,id] [--fixes 1] [--out bench/results/doctor-zoo.md]
 *   (--only writes no file unless --out is given)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { parseArgs } from 'node:util';
import { DETECTORS } from '../src/doctor/detectors';
import { pool } from '../test/trainer/helpers';
import { fixedConfig, outcome, replay, trainConfig, ZOO, type Outcome, type RunResult, type ZooEntry } from './lib/zoo';

const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '3' },
    only: { type: 'string' },
    out: { type: 'string' },
    fixes: { type: 'string', default: '1' },
    parallel: { type: 'string', default: String(Math.max(1, Math.min(2, os.availableParallelism()))) },
  },
});
const seeds = Array.from({ length: Number(args.seeds) }, (_, i) => i + 1);
const entries = args.only ? ZOO.filter((e) => args.only!.split(',').includes(e.id)) : ZOO;

interface Trial {
  entry: ZooEntry;
  seed: number;
  run: RunResult;
  fired: ReadonlyMap<string, number>;
  fixLabel?: string;
  fixed?: Outcome;
  /** The first --fixes fixes, each with the outcome of the run it makes. */
  tried: { label: string; outcome: Outcome }[];
}

async function trial(entry: ZooEntry, seed: number): Promise<Trial> {
  const run = await trainConfig(entry.config, seed);
  const { firstFired, firstFindings } = replay(run);
  const t: Trial = { entry, seed, run, fired: firstFired, tried: [] };
  const finding = entry.expect ? firstFindings.get(entry.expect) : undefined;
  for (let i = 0; finding && i < Math.min(Number(args.fixes), finding.fixes.length); i++) {
    const o = outcome((await trainConfig(fixedConfig(run, finding, i), seed)).records);
    t.tried.push({ label: finding.fixes[i].label, outcome: o });
    if (i === 0) [t.fixLabel, t.fixed] = [finding.fixes[0].label, o];
  }
  process.stderr.write(`${entry.id} seed ${seed}: fired ${[...firstFired].map(([d, s]) => `${d}@${s}`).join(', ') || 'nothing'} (${run.seconds.toFixed(0)} s)\n`);
  return t;
}

async function main(): Promise<void> {
  const jobs = entries.flatMap((e) => seeds.map((s) => ({ e, s })));
  const trials = await pool(jobs, Number(args.parallel), ({ e, s }) => trial(e, s));

  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
  const fmt = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '–');
  const num = (xs: (number | null | undefined)[]) => xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));

  // Precision and recall per failure detector, over every trial of every entry.
  const detectors = DETECTORS.map((d) => d.id);
  const prRows = detectors.map((d) => {
    const inWindow = (t: Trial) => (t.fired.get(d) ?? Infinity) <= t.entry.within;
    const tp = trials.filter((t) => t.entry.expect === d && inWindow(t)).length;
    const fn = trials.filter((t) => t.entry.expect === d && !inWindow(t)).length;
    const fp = trials.filter((t) => t.entry.expect !== d && !t.entry.also?.includes(d) && t.fired.has(d)).length;
    const steps = trials.filter((t) => t.entry.expect === d && t.fired.has(d)).map((t) => t.fired.get(d)!);
    return `| ${d} | ${tp + fp ? fmt(tp / (tp + fp)) : '–'} | ${tp + fn ? fmt(tp / (tp + fn)) : '–'} | ${tp}/${tp + fn} | ${fp} | ${steps.length ? `${Math.min(...steps)}–${Math.max(...steps)}` : '–'} |`;
  });

  const entryRows = entries.map((e) => {
    const ts = trials.filter((t) => t.entry === e);
    const expected = e.expect ?? '(none)';
    const hits = e.expect ? ts.filter((t) => (t.fired.get(e.expect!) ?? Infinity) <= e.within).length : ts.filter((t) => t.fired.size === 0).length;
    const others = [...new Set(ts.flatMap((t) => [...t.fired.keys()].filter((d) => d !== e.expect)))].map((d) => (e.also?.includes(d) ? `${d} (also true)` : d)).join(', ') || '–';
    const broken = ts.map((t) => outcome(t.run.records));
    const fixed = ts.flatMap((t) => (t.fixed ? [t.fixed] : []));
    const o = (xs: Outcome[]) =>
      xs.length ? `${fmt(mean(num(xs.map((x) => x.modes))), 1)} / ${fmt(mean(num(xs.map((x) => x.hq))), 1)} / ${fmt(mean(num(xs.map((x) => x.swd))), 3)}` : '–';
    return `| ${e.title} | ${expected} | ${hits}/${ts.length} | ${others} | ${o(broken)} | ${ts.find((t) => t.fixLabel)?.fixLabel ?? '–'} | ${o(fixed)} |`;
  });

  // Every fix tried (--fixes N), per entry, in the doctor's order.
  const fixRows = entries.flatMap((e) => {
    const ts = trials.filter((t) => t.entry === e);
    // By position in the doctor's list: a fix sized from the run (a learning-rate divisor) is labelled per seed.
    const n = Math.max(0, ...ts.map((t) => t.tried.length));
    const o = (xs: Outcome[]) => `${fmt(mean(num(xs.map((x) => x.modes))), 1)} / ${fmt(mean(num(xs.map((x) => x.hq))), 1)} / ${fmt(mean(num(xs.map((x) => x.swd))), 3)}`;
    if (!n) return [];
    return [
      `| ${e.title} | (broken run) | ${o(ts.map((t) => outcome(t.run.records)))} |`,
      ...Array.from({ length: n }, (_, i) => {
        const tried = ts.flatMap((t) => (t.tried[i] ? [t.tried[i]] : []));
        return `| | ${i + 1}. ${[...new Set(tried.map((x) => x.label))].join(' / ')} | ${o(tried.map((x) => x.outcome))} |`;
      }),
    ];
  });

  const table = [
    `# Training doctor zoo`,
    '',
    `${new Date().toISOString().slice(0, 10)} · ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}) · Node ${process.version} · wasm backend · seeds ${seeds.join(', ')} · \`npx tsx bench/doctor-zoo.ts ${process.argv.slice(2).join(' ')}\``,
    '',
    'Each run is diagnosed after every metrics record (every 20 steps), as the live dashboard does; a detection counts when the expected detector fires by the step budget of its entry. A finding on a healthy run, or on a broken run where it is neither the expected failure nor listed as also true of it (a learning rate of 0.1 also collapses the generator), counts as a false positive.',
    '',
    '| detector | precision | recall | detected | false positives | steps to detection |',
    '|---|---|---|---|---|---|',
    ...prRows,
    '',
    'Outcome = modes covered / high-quality % / sliced Wasserstein at the last step (mean over seeds); the fixed run is the same config with the doctor\'s first fix applied, same seed, trained for the same number of steps.',
    '',
    '| zoo entry | expected finding | as expected | other findings | outcome (broken) | first fix | outcome (after fix) |',
    '|---|---|---|---|---|---|---|',
    ...entryRows,
    '',
    ...(Number(args.fixes) > 1
      ? [
          `Every fix tried (\`--fixes ${args.fixes}\`): the same seeds and budget, outcome as above.`,
          '',
          '| zoo entry | fix (the doctor\'s order) | outcome |',
          '|---|---|---|',
          ...fixRows,
          '',
        ]
      : []),
  ].join('\n');

  process.stdout.write(`${table}\n`);
  const out = args.out ?? (args.only ? undefined : 'bench/results/doctor-zoo.md');
  if (out) fs.writeFileSync(out, table);
}

void main();
