/**
 * Checkpoint state on the wasm backend, in process: for every variant (Adam
 * and RMSProp) and for a spectrally normalized discriminator, a trainer
 * restored from a captured state takes exactly the steps the original takes.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { resolveConfig } from '../../src/protocol/config';
import { VARIANT_IDS } from '../../src/protocol/variants';
import { pickBackend } from '../../src/trainer/backend';
import { captureState, restoreState } from '../../src/trainer/checkpoint';
import { compileAndLoad, type ModelBuilders } from '../../src/trainer/compile';
import { GanTrainer } from '../../src/trainer/loop';

let toy: ModelBuilders;
let spectral: ModelBuilders;
before(async () => {
  await pickBackend('wasm');
  toy = await compileAndLoad('templates/toy/model.ts');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ganwb-sn-'));
  const file = path.join(dir, 'model.ts');
  fs.writeFileSync(
    file,
    `import { mlp, relu, type ModelContext } from 'gan-workbench';
export const buildGenerator = (ctx: ModelContext) => mlp(ctx, ctx.latentDim, ctx.dataDim, 'G', relu);
export const buildDiscriminator = (ctx: ModelContext) => mlp(ctx, ctx.dataDim, 1, 'D', relu, { spectralNorm: true });
`,
  );
  spectral = await compileAndLoad(file);
});

const small = (variant: string) =>
  resolveConfig({ name: 't', variant, data: { name: '8gaussians' }, model: { hidden: 16, depth: 2 }, training: { batchSize: 32, seed: 3 }, logging: { evalSamples: 64 } });

async function continuesExactly(variant: string, builders: ModelBuilders): Promise<void> {
  const cfg = small(variant);
  const a = new GanTrainer(cfg, builders);
  for (let s = 0; s < 3; s++) await a.step(s);
  const saved = await captureState(a.checkpointParts());
  const b = new GanTrainer(cfg, builders);
  await restoreState(b.checkpointParts(), saved.arrays, saved.variantState);
  const before = tf.memory().numTensors;
  for (let s = 3; s < 5; s++) assert.deepEqual(await b.step(s), await a.step(s), `${variant}: step ${s} after restore differs`);
  assert.deepEqual(b.quality(await b.generateEval()), a.quality(await a.generateEval()));
  assert.equal(tf.memory().numTensors, before, `${variant}: restoring leaks no tensors`);
  a.dispose();
  b.dispose();
}

test('every variant: a restored trainer takes exactly the original\'s next steps', async () => {
  for (const variant of VARIANT_IDS) await continuesExactly(variant, toy);
});

test('spectral normalization: u and v are saved and restored with the weights', async () => {
  const t = new GanTrainer(small('gan-ns'), spectral);
  const { arrays } = await captureState(t.checkpointParts());
  assert.ok(arrays.some((a) => a.group === 'D' && /sn_u/.test(a.name)) && arrays.some((a) => a.group === 'D' && /sn_v/.test(a.name)));
  t.dispose();
  await continuesExactly('gan-ns', spectral);
});
