/**
 * The trainer's command line — the same code the extension runs:
 *   gan-trainer train --config gan.config.json --run-dir DIR [--steps N] [--seed N] [--backend B] [--quiet]
 *   gan-trainer train --resume RUN_DIR [--steps N] [--backend B] [--quiet]   (from its last good checkpoint)
 *   gan-trainer check --config gan.config.json      (validate + compile; one JSON line)
 *   gan-trainer explain --run-dir DIR               (the training doctor's Markdown report: DIR/report.md)
 * Exit codes: 0 ok, 1 crash, 2 bad config, 3 model compile error, 4 diverged, 5 run folder locked.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { writeExplainReport } from '../doctor/report/explain';
import { BACKENDS, ConfigError, type BackendChoice } from '../protocol/config';
import type { TrainerMessage } from '../protocol/messages';
import { RunLockedError } from '../runfolder/lock';
import { CompileError, compileAndLoad, type CompileProblem } from './compile';
import { EXIT, loadConfig, modelPath, train, type TrainOptions } from './run';

const USAGE = `usage:
  gan-trainer train --config FILE --run-dir DIR [--steps N] [--seed N] [--backend ${BACKENDS.join('|')}] [--quiet]
  gan-trainer train --resume RUN_DIR [--steps N] [--backend B] [--quiet]
  gan-trainer check --config FILE
  gan-trainer explain --run-dir DIR
exit codes: 0 ok, 1 crash, 2 bad config, 3 model compile error, 4 diverged, 5 run folder locked`;

class UsageError extends Error {}

function intArg(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name} must be a non-negative integer, got '${v}'`);
  return Number(v);
}

function parse(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      'run-dir': { type: 'string' },
      resume: { type: 'string' },
      steps: { type: 'string' },
      seed: { type: 'string' },
      backend: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const backend = values.backend;
  if (backend !== undefined && !(BACKENDS as readonly string[]).includes(backend)) {
    throw new UsageError(`--backend must be one of ${BACKENDS.join(', ')}, got '${backend}'`);
  }
  const steps = intArg('steps', values.steps);
  if (steps === 0) throw new UsageError('--steps must be at least 1');
  return {
    command: positionals[0],
    config: values.config,
    runDir: values['run-dir'],
    resume: values.resume,
    steps,
    seed: intArg('seed', values.seed),
    backend: backend as BackendChoice | undefined,
    quiet: values.quiet,
    help: values.help,
  };
}

function progressPrinter(quiet: boolean): (m: TrainerMessage) => void {
  let last = 0;
  return (m) => {
    if (m.type === 'hello') process.stdout.write(`backend: ${m.backend.name} (${m.backend.reason})\n`);
    if (quiet) return;
    if (m.type === 'metrics') {
      const r = m.records[m.records.length - 1];
      if (!r || Date.now() - last < 2000) return;
      last = Date.now();
      const f = (k: string, d = 3) => (typeof r[k] === 'number' ? (r[k] as number).toFixed(d) : '–');
      const modes = typeof r.modesCovered === 'number' ? `  modes ${r.modesCovered}` : '';
      process.stdout.write(`step ${r.step}  D ${f('lossD')}  G ${f('lossG')}  swd ${f('swd', 4)}${modes}  ${f('stepsPerSec', 1)} steps/s\n`);
    }
    if (m.type === 'ended') process.stdout.write(`ended: ${m.state} at step ${m.step}${m.error ? ` — ${m.error}` : ''}\n`);
  };
}

async function check(configPath: string): Promise<number> {
  let problems: CompileProblem[] = [];
  try {
    const cfg = loadConfig(configPath);
    await compileAndLoad(modelPath(configPath, cfg));
  } catch (e) {
    if (e instanceof ConfigError) problems = e.problems.map((p) => ({ file: configPath, line: 1, column: 1, message: `${p.path}: ${p.message}` }));
    else if (e instanceof CompileError) problems = e.problems;
    else problems = [{ file: configPath, line: 1, column: 1, message: (e as Error).message }];
  }
  process.stdout.write(JSON.stringify(problems.length ? { ok: false, errors: problems } : { ok: true }) + '\n');
  return problems.length ? 1 : 0;
}

export async function main(argv: string[]): Promise<number> {
  let a: ReturnType<typeof parse>;
  try {
    a = parse(argv);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    return EXIT.config;
  }
  if (a.help || !a.command) {
    process.stdout.write(USAGE + '\n');
    return a.help ? 0 : EXIT.config;
  }
  if (a.resume !== undefined) return resume(a);
  if (a.command === 'explain') return explain(a.runDir);
  if (!a.config) {
    process.stderr.write(`--config is required\n${USAGE}\n`);
    return EXIT.config;
  }
  if (!fs.existsSync(a.config)) {
    process.stderr.write(`--config: ${a.config} does not exist\n`);
    return EXIT.config;
  }
  if (a.command === 'check') return check(a.config);
  if (a.command !== 'train') {
    process.stderr.write(`unknown command '${a.command}'\n${USAGE}\n`);
    return EXIT.config;
  }
  if (!a.runDir) {
    process.stderr.write(`--run-dir is required for train\n${USAGE}\n`);
    return EXIT.config;
  }
  return runTrain({ configPath: a.config, runDir: a.runDir, steps: a.steps, seed: a.seed, backend: a.backend, onMessage: progressPrinter(a.quiet) });
}

/** explain --run-dir DIR: the same report as GAN: Explain Run, for runs on remote machines and CI. */
function explain(runDir: string | undefined): number {
  if (!runDir || !fs.existsSync(runDir)) {
    process.stderr.write(`--run-dir: ${runDir ?? '(missing)'} is not a folder\n${USAGE}\n`);
    return EXIT.config;
  }
  const file = writeExplainReport(runDir);
  process.stdout.write(`${file}\n`);
  return 0;
}

/** train --resume RUN_DIR: the folder brings its own config and model. */
async function resume(a: ReturnType<typeof parse>): Promise<number> {
  const problem =
    a.command !== 'train'
      ? '--resume goes with the train command'
      : a.config !== undefined || a.runDir !== undefined
        ? '--resume RUN_DIR takes the config and model from the run folder; leave out --config and --run-dir'
        : a.seed !== undefined
          ? '--seed cannot change on resume: the seed decides every random draw of the run'
          : !a.resume || !fs.existsSync(path.join(a.resume, 'config.json'))
            ? `--resume: ${a.resume || '(empty)'} is not a run folder (no config.json in it)`
            : undefined;
  if (problem) {
    process.stderr.write(`${problem}\n${USAGE}\n`);
    return EXIT.config;
  }
  const runDir = a.resume!;
  return runTrain({ configPath: path.join(runDir, 'config.json'), runDir, resume: true, steps: a.steps, backend: a.backend, onMessage: progressPrinter(a.quiet) });
}

async function runTrain(o: TrainOptions): Promise<number> {
  try {
    const r = await train(o);
    if (r.message) process.stderr.write(r.message + '\n');
    return r.code;
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(e.message + '\n');
      return EXIT.config;
    }
    if (e instanceof CompileError) {
      process.stderr.write(`model compile error:\n${e.message}\n`);
      return EXIT.compile;
    }
    if (e instanceof RunLockedError) {
      process.stderr.write(e.message + '\n');
      return EXIT.locked;
    }
    process.stderr.write(`${(e as Error).stack ?? e}\n`);
    return EXIT.crash;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`${(e as Error).stack ?? e}\n`);
      process.exit(EXIT.crash);
    },
  );
}
