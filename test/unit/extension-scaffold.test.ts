import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigSchema, configJsonSchema, parseConfigText } from '../../src/protocol/config';
import { TOY_SETTINGS } from '../../src/protocol/toySettings';
import { VARIANTS } from '../../src/protocol/variants';
import {
  DATASET_ITEMS,
  defaultExperimentName,
  ExperimentExistsError,
  experimentTsconfig,
  fieldDescription,
  fillTemplate,
  MAX_DESCRIPTION_CHARS,
  nameProblem,
  oneLine,
  scaffoldFiles,
  VARIANT_GROUP_TITLES,
  variantItems,
  variantPickEntries,
  writeExperiment,
} from '../../src/extension/scaffold/scaffold';
import { REPO, tmpDir } from './extension-helpers';

const paths = { templatesRoot: path.join(REPO, 'templates'), extensionPath: REPO };

test('variant picker: a titled separator per group in fixed order, each catalogue variant once under its group', () => {
  const entries = variantPickEntries();
  const order = Object.keys(VARIANT_GROUP_TITLES);
  const separators = entries.filter((e) => e.kind === 'separator').map((e) => e.label);
  // Only groups that have variants get a separator, in the fixed order.
  const used = order.filter((g) => VARIANTS.some((v) => v.group === g));
  assert.deepEqual(separators, used.map((g) => VARIANT_GROUP_TITLES[g as keyof typeof VARIANT_GROUP_TITLES]));
  assert.equal(entries[0].kind, 'separator', 'the list opens with a group title');
  let group = '';
  const seen: string[] = [];
  for (const e of entries) {
    if (e.kind === 'separator') {
      group = order.find((g) => VARIANT_GROUP_TITLES[g as keyof typeof VARIANT_GROUP_TITLES] === e.label)!;
      continue;
    }
    const v = VARIANTS.find((x) => x.id === e.id)!;
    assert.equal(v.group, group, `${v.id} listed under its own group`);
    assert.equal(e.label, v.title, 'label is the title (tests pick by label)');
    assert.equal(e.detail, v.paper, 'detail is the paper');
    assert.doesNotMatch(e.description, /\n/);
    assert.ok(e.description.length <= MAX_DESCRIPTION_CHARS, `${v.id}: description longer than one line: ${e.description}`);
    assert.ok(v.description.startsWith(e.description.replace(/…$/, '')), `${v.id}: description comes from the catalogue`);
    seen.push(v.id);
  }
  assert.deepEqual([...seen].sort(), VARIANTS.map((v) => v.id).sort(), 'every variant exactly once');
  // The real-host UI test picks these by label.
  assert.ok(entries.some((e) => e.label === 'GAN (non-saturating)'));
  assert.ok(entries.some((e) => e.label === 'WGAN-GP'));
  assert.deepEqual(
    variantItems().map((i) => i.id),
    seen,
  );
});

test('oneLine: first sentence, abbreviations kept, long text cut at a word with an ellipsis', () => {
  assert.equal(oneLine('Short one. Second sentence.'), 'Short one.');
  assert.equal(oneLine('As in Goodfellow et al. 2014, roughly. More.'), 'As in Goodfellow et al. 2014, roughly.');
  assert.equal(oneLine('Uses e.g. Adam. More.'), 'Uses e.g. Adam.');
  assert.equal(oneLine('No full stop at all'), 'No full stop at all');
  const long = oneLine('word '.repeat(40), 30);
  assert.ok(long.length <= 30 && long.endsWith('…') && !long.includes(' …'), long);
  assert.equal(oneLine('a\nb  c.'), 'a b c.');
});

test('dataset picker labels and ids are exact', () => {
  assert.deepEqual(
    DATASET_ITEMS.map((d) => [d.label, d.id]),
    [
      ['8 Gaussians (ring)', '8gaussians'],
      ['25 Gaussians (grid)', '25gaussians'],
      ['Swiss roll', 'swissroll'],
      ['MNIST digits (28×28)', 'mnist'],
      ['Stacked MNIST (1,000 modes)', 'stacked-mnist'],
      ['MNIST and inverted MNIST (CoGAN)', 'coupled-mnist'],
      ['A folder of my images…', 'folder'],
    ],
  );
});

test('name validation agrees with the config schema', () => {
  for (const name of ['wgan-gp-8gaussians', 'a', 'A.b_c-1', 'x'.repeat(64), '', '-lead', '.hidden', 'has space', 'x'.repeat(65), 'a/b', '..', 'ü']) {
    const schemaOk = ConfigSchema.shape.name.safeParse(name).success;
    assert.equal(nameProblem(name) === undefined, schemaOk, `name '${name}'`);
  }
  assert.equal(nameProblem('ok-name'), undefined);
  assert.match(nameProblem('bad name') ?? '', /Invalid name/);
});

test('fillTemplate fills every placeholder and refuses unknown ones', () => {
  assert.equal(fillTemplate('{{a}}-{{b}}-{{a}}', { a: '1', b: '2' }), '1-2-1');
  assert.throws(() => fillTemplate('{{a}} {{missing}}', { a: '1' }), /\{\{missing\}\} has no value/);
});

test('defaultExperimentName is <variant>-<dataset>, suffixed when taken', () => {
  const root = tmpDir();
  assert.equal(defaultExperimentName('wgan-gp', 'swissroll'), 'wgan-gp-swissroll');
  assert.equal(defaultExperimentName('wgan-gp', 'swissroll', root), 'wgan-gp-swissroll');
  fs.mkdirSync(path.join(root, 'wgan-gp-swissroll'));
  assert.equal(defaultExperimentName('wgan-gp', 'swissroll', root), 'wgan-gp-swissroll-2');
});

test('scaffold files: config validates with the chosen fields; model mentions the variant; no placeholder left', () => {
  const datasets = [
    { dataset: '25gaussians' as const, data: { kind: 'toy', name: '25gaussians' }, template: 'toy' },
    { dataset: 'mnist' as const, data: { kind: 'mnist' }, template: 'image' },
    { dataset: 'stacked-mnist' as const, data: { kind: 'stacked-mnist' }, template: 'image' },
    { dataset: 'coupled-mnist' as const, data: { kind: 'coupled-mnist' }, template: 'cogan' },
    { dataset: 'folder' as const, imageFolder: '../photos', data: { kind: 'folder', path: '../photos', size: 32, channels: 3 }, template: 'image' },
  ];
  for (const v of VARIANTS) for (const d of datasets.filter((x) => !(x.template === 'cogan' && v.output === 'autoencoder'))) {
    const files = scaffoldFiles({ variant: v.id, dataset: d.dataset, imageFolder: d.imageFolder, name: `n-${v.id}`, steps: 123 }, paths);
    const byName = Object.fromEntries(files.map((f) => [f.name, f.content]));
    assert.deepEqual(Object.keys(byName).sort(), ['gan.config.json', 'model.ts', 'tsconfig.json']);
    const cfg = parseConfigText(byName['gan.config.json']);
    assert.equal(cfg.name, `n-${v.id}`);
    assert.equal(cfg.variant, v.id);
    assert.deepEqual(cfg.data, d.data);
    assert.equal(cfg.training.batchSize, d.template === 'toy' ? 256 : 64);
    assert.equal(byName['model.ts'].includes('DCGAN generator'), d.template === 'image', `${v.id} on ${d.dataset}: the ${d.template} template`);
    assert.equal(byName['model.ts'].includes('Coupled GAN (CoGAN'), d.template === 'cogan', `${v.id} on ${d.dataset}: the ${d.template} template`);
    assert.equal(cfg.training.steps, 123);
    assert.ok(byName['model.ts'].includes(v.title));
    const kind = { logit: 'it is a logit', critic: 'it is an unbounded critic score', autoencoder: 'it is an auto-encoder' }[v.output];
    assert.ok(byName['model.ts'].includes(kind), `${v.id}: ${kind}`);
    // The variant's hyper-parameters are spelled out with its defaults (what the trainer would use anyway),
    // or on toy data with the settings measured there where there are some…
    const raw = JSON.parse(byName['gan.config.json']);
    const toy = d.template === 'toy' ? TOY_SETTINGS[v.id] : undefined;
    const t = { optimizer: v.optimizer.kind, ...v.optimizer, nCritic: v.nCritic, ...toy?.training };
    assert.deepEqual(raw.options, { ...v.options, ...toy?.options }, `${v.id}: every option the variant reads, at its default`);
    assert.equal(raw.training.nCritic, t.nCritic);
    assert.equal(raw.training.optimizer, t.optimizer);
    assert.equal(raw.training.lrD, t.lrD);
    assert.equal(raw.training.lrG, t.lrG);
    assert.equal('beta1' in raw.training, t.optimizer === 'adam', 'betas only where Adam reads them');
    if (toy) {
      for (const [k, val] of Object.entries(toy.model ?? {})) assert.equal(raw.model[k], val, `${v.id}: model.${k} from the toy settings`);
      assert.ok(byName['model.ts'].replace(/\n \*\s+/g, ' ').includes(`Why these values on toy data (measured by the project's variants benchmark): ${toy.why}.`), `${v.id}: model.ts says why`);
    } else assert.doesNotMatch(byName['model.ts'], /Why these values on toy data/);
    // …and the model's comment says what each one does, in the schema's words.
    for (const [section, obj] of [['training', raw.training], ['options', raw.options], ['model', raw.model]] as const) {
      for (const [key, value] of Object.entries(obj as object)) {
        if (section === 'model' && key === 'file') continue;
        assert.ok(byName['model.ts'].includes(`${section}.${key} = ${JSON.stringify(value)}:`), `${v.id}: model.ts explains ${section}.${key}`);
        if (section !== 'model') {
          const what = fieldDescription(section, key)!.replace(/\s*\(default: the variant's\)/, '');
          const comment = byName['model.ts'].replace(/\n \*\s+/g, ' ');
          assert.ok(comment.includes(what), `${v.id}: ${section}.${key} described as in the schema`);
        }
      }
    }
    assert.ok(byName['model.ts'].replace(/\n \*\s+/g, ' ').includes(v.description), `${v.id}: model.ts carries the full description`);
    for (const f of files) assert.doesNotMatch(f.content, /\{\{\w+\}\}/, f.name);
  }
  const dflt = scaffoldFiles({ variant: 'gan-ns', dataset: 'swissroll', name: 'd' }, paths);
  assert.equal(parseConfigText(dflt.find((f) => f.name === 'gan.config.json')!.content).training.steps, 2000);
  assert.throws(() => scaffoldFiles({ variant: 'gan-ns', dataset: 'swissroll', name: 'bad name' }, paths), /Invalid name/);
  assert.throws(() => scaffoldFiles({ variant: 'nope' as 'gan-ns', dataset: 'swissroll', name: 'x' }, paths), /unknown variant/);
  assert.throws(() => scaffoldFiles({ variant: 'gan-ns', dataset: 'cifar' as 'swissroll', name: 'x' }, paths), /unknown dataset/);
  assert.throws(() => scaffoldFiles({ variant: 'began', dataset: 'coupled-mnist', name: 'x' }, paths), /auto-encoder D: pick another variant/);
});

test("WGAN-GP scaffolded on toy data gets the toy script's settings (λ 0.1, β1 0.5), on images the paper's (λ 10, β1 0)", () => {
  const paths = { templatesRoot: path.join(REPO, 'templates'), extensionPath: REPO };
  const cfgOf = (dataset: 'swissroll' | '8gaussians' | 'mnist') =>
    parseConfigText(scaffoldFiles({ variant: 'wgan-gp', dataset, name: 'w' }, paths).find((f) => f.name === 'gan.config.json')!.content);
  for (const toy of ['8gaussians', 'swissroll'] as const) {
    const c = cfgOf(toy);
    assert.deepEqual([c.options.gpWeight, c.training.beta1, c.training.beta2, c.training.lrD, c.training.nCritic], [0.1, 0.5, 0.9, 1e-4, 5], toy);
  }
  const img = cfgOf('mnist');
  assert.deepEqual([img.options.gpWeight, img.training.beta1, img.training.beta2, img.training.lrD, img.training.nCritic], [10, 0, 0.9, 1e-4, 5]);
  // A variant without toy settings keeps its paper's on toy data too.
  const eb = parseConfigText(scaffoldFiles({ variant: 'ebgan', dataset: '8gaussians', name: 'e' }, paths).find((f) => f.name === 'gan.config.json')!.content);
  assert.equal(eb.training.lrD, VARIANTS.find((v) => v.id === 'ebgan')!.optimizer.lrD);
});

test('tsconfig maps @tensorflow/tfjs and gan-workbench into the extension install', () => {
  const ts = JSON.parse(experimentTsconfig('/opt/ext'));
  assert.deepEqual(ts.compilerOptions.paths, {
    '@tensorflow/tfjs': ['/opt/ext/node_modules/@tensorflow/tfjs'],
    'gan-workbench': ['/opt/ext/src/trainer/userApi.ts'],
  });
});

test('writeExperiment writes the folder and refuses to overwrite an existing one', () => {
  const root = tmpDir();
  const r = writeExperiment(root, { variant: 'wgan-gp', dataset: '8gaussians', name: 'wgan-gp-8gaussians' }, paths);
  assert.equal(r.dir, path.join(root, 'wgan-gp-8gaussians'));
  assert.equal(r.config, path.join(r.dir, 'gan.config.json'));
  assert.deepEqual(fs.readdirSync(r.dir).sort(), ['gan.config.json', 'model.ts', 'tsconfig.json']);
  fs.writeFileSync(r.config, '{"edited": true}');
  assert.throws(
    () => writeExperiment(root, { variant: 'gan-ns', dataset: 'swissroll', name: 'wgan-gp-8gaussians' }, paths),
    (e: unknown) => e instanceof ExperimentExistsError && /already exists/.test(e.message),
  );
  assert.equal(fs.readFileSync(r.config, 'utf8'), '{"edited": true}', 'existing files untouched');
});

test('the scaffolded model (and the snippets) type-check against the extension install: editor completion works', () => {
  const root = tmpDir();
  const r = writeExperiment(root, { variant: 'wgan-gp', dataset: 'swissroll', name: 'tc' }, paths);
  // A probe with one deliberate error: it must be the only error, and its
  // text shows that tfjs's real types were resolved (not 'any', not missing).
  fs.writeFileSync(
    path.join(r.dir, 'probe.ts'),
    "import * as tf from '@tensorflow/tfjs';\nimport { mlp } from 'gan-workbench';\nexport const m = mlp;\nexport const n: number = tf.zeros([1]);\n",
  );
  // The TypeScript snippets, as a user would insert them into this folder, type-check too.
  const snippets = JSON.parse(fs.readFileSync(path.join(REPO, 'snippets', 'typescript.json'), 'utf8')) as Record<string, { body: string[] }>;
  const expand = (body: string[]) => body.join('\n').replace(/\$\{\d+:([^}]*)\}/g, '$1').replace(/\$\d+/g, '');
  fs.writeFileSync(
    path.join(r.dir, 'snippets.ts'),
    "import * as tf from '@tensorflow/tfjs';\n" + Object.values(snippets).map((sn) => expand(sn.body).replace(/^function /gm, 'export function ')).join('\n'),
  );
  const tsc = path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
  let out = '';
  try {
    execFileSync(process.execPath, [tsc, '-p', path.join(r.dir, 'tsconfig.json')], { encoding: 'utf8', stdio: 'pipe' });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    out = `${err.stdout ?? ''}${err.stderr ?? ''}`;
  }
  const errors = out.split('\n').filter((l) => /error TS\d+/.test(l));
  assert.equal(errors.length, 1, `expected only the probe's error, got:\n${out}`);
  assert.match(errors[0], /probe\.ts\(4,14\): error TS2322: Type 'Tensor<Rank>' is not assignable to type 'number'/);
});

test('every config field has a description: editor hovers and completion explain each key', () => {
  // Both the schema the build generates now and the committed file the extension ships.
  const committed = JSON.parse(fs.readFileSync(path.join(REPO, 'schemas', 'gan.config.schema.json'), 'utf8'));
  for (const [which, schema] of [['generated', configJsonSchema()], ['committed', committed]] as const) {
    const missing: string[] = [];
    let fields = 0;
    const walk = (node: { properties?: Record<string, { description?: string }> }, prefix: string) => {
      for (const [key, child] of Object.entries(node.properties ?? {})) {
        fields++;
        if (!child.description?.trim()) missing.push(prefix + key);
        walk(child as typeof node, `${prefix}${key}.`);
      }
    };
    walk(schema as Parameters<typeof walk>[0], '');
    assert.ok(fields > 30, `${which}: walked ${fields} fields`);
    assert.deepEqual(missing, [], `${which} schema: fields without a description (add .describe() in src/protocol/config.ts)`);
  }
});
