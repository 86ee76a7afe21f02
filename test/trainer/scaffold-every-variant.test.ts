/**
 * Every variant of the catalogue, scaffolded as GAN: New Experiment writes it,
 * compiles (the trainer's own esbuild check and `tsc --noEmit` with the
 * folder's tsconfig, so the editor shows no red squiggles) and trains a few
 * steps from the CLI with finite losses. The list comes from VARIANTS: a
 * variant added to the catalogue is covered with no change here.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { PNG } from 'pngjs';
import { writeExperiment } from '../../src/extension/scaffold/scaffold';
import { TOY_DATASETS } from '../../src/protocol/config';
import { VARIANTS } from '../../src/protocol/variants';
import { pool, readJsonl, requireBuild, runCli, trainCli } from './helpers';

const REPO = path.resolve('.');
const STEPS = 5;
const PROBE = "import * as tf from '@tensorflow/tfjs';\nexport const n: number = tf.zeros([1]);\n";

function tscNoEmit(project: string): Promise<string> {
  const tsc = path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
  return new Promise((resolve) => {
    // cwd = the project: tsc names files relative to it.
    execFile(process.execPath, [tsc, '--noEmit', '-p', project], { cwd: project, encoding: 'utf8', maxBuffer: 16 << 20 }, (_err, stdout, stderr) => resolve(`${stdout}${stderr}`));
  });
}

/** A few PNGs of different sizes, for the folder scaffold. */
function writePhotos(dir: string): void {
  fs.mkdirSync(dir);
  for (let i = 0; i < 6; i++) {
    const png = new PNG({ width: 20 + 3 * i, height: 24 });
    for (let p = 0; p < png.data.length; p++) png.data[p] = p % 4 === 3 ? 255 : (p * (i + 7)) % 256;
    fs.writeFileSync(path.join(dir, `p${i}.png`), PNG.sync.write(png));
  }
}

/** The scaffold's DCGAN at 4 channels, batch 8: the point is that every variant runs on it, not its quality. */
function shrinkImageModel(configFile: string): void {
  const cfg = JSON.parse(fs.readFileSync(configFile, 'utf8'));
  cfg.model.hidden = 4;
  cfg.model.latentDim = 8;
  cfg.training.batchSize = 8;
  cfg.logging = { metricsEvery: 1, samplesEvery: 2, evalSamples: 64 };
  fs.writeFileSync(configFile, JSON.stringify(cfg, null, 2));
}

test('every catalogue variant: the scaffold compiles (esbuild check, tsc --noEmit) and trains a few steps from the CLI, on toy data and on images', { timeout: 600_000 }, async () => {
  requireBuild();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ganwb-scaffolds-'));
  const runs = fs.mkdtempSync(path.join(os.tmpdir(), 'ganwb-scaffold-runs-'));
  try {
    // Datasets rotate so each toy set is scaffolded by some variant; every variant is also
    // scaffolded on images (MNIST; one on a folder of PNGs), its DCGAN shrunk to train fast.
    const images = path.join(root, 'photos');
    writePhotos(images);
    const paths = { templatesRoot: path.join(REPO, 'templates'), extensionPath: REPO };
    const scaffolds = VARIANTS.flatMap((v, i) => {
      const dataset = TOY_DATASETS[i % TOY_DATASETS.length];
      const toy = writeExperiment(root, { variant: v.id, dataset, name: `${v.id}-${dataset}`, steps: STEPS }, paths);
      const imageSet = i === 0 ? 'folder' : i % 3 === 1 && v.output !== 'autoencoder' ? 'coupled-mnist' : 'mnist';
      const img = writeExperiment(root, { variant: v.id, dataset: imageSet, imageFolder: '../photos', name: `${v.id}-${imageSet}`, steps: 2 }, paths);
      shrinkImageModel(img.config);
      return [
        { id: v.id, dataset: dataset as string, steps: STEPS, ...toy },
        { id: `${v.id}-${imageSet}`, dataset: imageSet as string, steps: 2, ...img },
      ];
    });

    // tsc once over every scaffold (one run is ~10 s, so not one per variant): the folders'
    // tsconfig.json files are identical, so a wrapper that extends one of them and includes
    // all folders checks each file under exactly its own folder's compiler options. The
    // probe's one deliberate error shows that tfjs's real types were resolved.
    const tsconfigs = scaffolds.map((s) => fs.readFileSync(path.join(s.dir, 'tsconfig.json'), 'utf8'));
    assert.ok(
      tsconfigs.every((t) => t === tsconfigs[0]),
      'the scaffolds write identical tsconfig.json files',
    );
    fs.writeFileSync(path.join(root, 'probe.ts'), PROBE);
    fs.writeFileSync(path.join(root, 'tsconfig.json'), JSON.stringify({ extends: `./${path.basename(scaffolds[0].dir)}/tsconfig.json`, include: ['*/*.ts', 'probe.ts'] }));
    const typecheck = tscNoEmit(root);

    // The trainer's compile check and a short training, two trainers at a time.
    const results = await pool(scaffolds, 2, async (s) => {
      const check = await runCli(['check', '--config', s.config]);
      const runDir = path.join(runs, s.id);
      const train = await trainCli(s.config, runDir);
      return { s, check, train, runDir };
    });

    const tscOut = await typecheck;
    const errors = tscOut.split('\n').filter((l) => /error TS\d+/.test(l));
    const scaffoldErrors = errors.filter((l) => !l.startsWith('probe.ts'));
    assert.deepEqual(scaffoldErrors, [], `tsc --noEmit reports errors in scaffolded files:\n${tscOut}`);
    assert.equal(errors.length, 1, `expected only the probe's error:\n${tscOut}`);
    assert.match(errors[0], /probe\.ts\(2,14\): error TS2322: Type 'Tensor<Rank>' is not assignable to type 'number'/);

    for (const { s, check, train, runDir } of results) {
      assert.equal(check.code, 0, `${s.id}: check exited ${check.code}\n${check.stdout}${check.stderr}`);
      assert.deepEqual(JSON.parse(check.stdout), { ok: true }, `${s.id}: check`);
      assert.equal(train.code, 0, `${s.id} (${s.dataset}): train exited ${train.code}\n${train.stderr}`);
      const status = JSON.parse(fs.readFileSync(path.join(runDir, 'status.json'), 'utf8'));
      assert.equal(status.state, 'completed', `${s.id}: run state`);
      const records = readJsonl(path.join(runDir, 'metrics.jsonl'));
      assert.ok(records.length >= 2, `${s.id}: ${records.length} metric records`);
      assert.equal(records[records.length - 1].step, s.steps, `${s.id}: trained to step ${s.steps}`);
      if (s.dataset === 'mnist' || s.dataset === 'folder' || s.dataset === 'coupled-mnist') {
        const pngs = fs.readdirSync(path.join(runDir, 'samples')).filter((f) => f.endsWith('.png'));
        assert.ok(pngs.length >= 1, `${s.id}: a sample grid PNG in the run folder`);
      }
      for (const r of records) {
        for (const k of ['lossD', 'lossG']) assert.ok(Number.isFinite(r[k]), `${s.id}: ${k} at step ${r.step} is ${r[k]}`);
      }
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(runs, { recursive: true, force: true });
  }
});
