/**
 * New Experiment, without the UI: what the pickers offer, how a name is
 * checked, and which files an experiment folder gets. No `vscode` import:
 * unit-tested under plain Node.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigSchema, configJsonSchema, TOY_DATASETS, type DataConfig, type ToyDataset } from '../../protocol/config';
import { toySettingsFor } from '../../protocol/toySettings';
import { VARIANTS, VARIANT_IDS, variantInfo, type DiscriminatorOutput, type VariantGroup, type VariantId } from '../../protocol/variants';

export const DEFAULT_STEPS = 2000;

/** What New Experiment can train on: the toy sets, MNIST, or a folder of the user's images. */
export const IMAGE_DATASETS = ['mnist', 'stacked-mnist', 'coupled-mnist', 'folder'] as const;
export type ImageDataset = (typeof IMAGE_DATASETS)[number];
export type DatasetId = ToyDataset | ImageDataset;

/** The dataset picker: labels are part of the UI contract (tests pick by label). */
export const DATASET_ITEMS: readonly { id: DatasetId; label: string; detail: string }[] = [
  { id: '8gaussians', label: '8 Gaussians (ring)', detail: '8 modes at radius 2 on the compass directions, std 0.02 (WGAN-GP paper): the mode-collapse test.' },
  { id: '25gaussians', label: '25 Gaussians (grid)', detail: '25 modes on a 5×5 grid, std 0.05 (WGAN-GP paper): many close modes.' },
  { id: 'swissroll', label: 'Swiss roll', detail: 'A 2-D Swiss roll with noise 0.25 (WGAN-GP paper): a curved, connected manifold.' },
  { id: 'mnist', label: 'MNIST digits (28×28)', detail: '60,000 handwritten digits, shipped inside the extension: a DCGAN model.ts.' },
  { id: 'stacked-mnist', label: 'Stacked MNIST (1,000 modes)', detail: 'Three MNIST digits as R, G, B: the mode-collapse benchmark of the VEEGAN and PacGAN papers, with modes counted.' },
  { id: 'coupled-mnist', label: 'MNIST and inverted MNIST (CoGAN)', detail: 'Two unpaired domains side by side: a coupled GAN (shared weights) learns to draw the same digit in both. A CoGAN model.ts.' },
  { id: 'folder', label: 'A folder of my images…', detail: 'Your PNG and JPEG files, resized and centre-cropped to 32×32 colour: a DCGAN model.ts.' },
];

export function isImageDataset(v: unknown): v is ImageDataset {
  return typeof v === 'string' && (IMAGE_DATASETS as readonly string[]).includes(v);
}

export function isDatasetId(v: unknown): v is DatasetId {
  return isToyDataset(v) || isImageDataset(v);
}

/**
 * The picker's groups, in the order they are shown, with their titles. A
 * Record over VariantGroup: a group added to the catalogue must get a title
 * here (the compiler says so), and a group with no variant yet shows nothing.
 */
export const VARIANT_GROUP_TITLES: Readonly<Record<VariantGroup, string>> = {
  classic: 'Classic',
  wasserstein: 'Wasserstein family',
  energy: 'Energy-based',
  'f-divergence': 'f-divergences',
  regularizer: 'Regularizers',
};

/** Longest one-line description the picker shows beside a title (longer ones end in '…'). */
export const MAX_DESCRIPTION_CHARS = 90;

export interface VariantItem {
  id: VariantId;
  /** The variant's title: part of the UI contract (tests pick by label). */
  label: string;
  /** One short line: the first sentence of the catalogue's description. */
  description: string;
  /** The paper the variant and its defaults come from. */
  detail: string;
}

export type VariantPickEntry = { kind: 'separator'; label: string } | ({ kind: 'variant' } & VariantItem);

/**
 * One line from a catalogue description: its first sentence, cut at a word
 * boundary with '…' when longer than `max`.
 */
export function oneLine(text: string, max = MAX_DESCRIPTION_CHARS): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const first = firstSentence(flat);
  if (first.length <= max) return first;
  const cut = first.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:(—–-]+$/, '')}…`;
}

/** Abbreviations whose period ends no sentence ("Goodfellow et al. 2014", "e.g. WGAN"). */
const ABBREVIATIONS = /(?:^|\s)(?:et al|e\.g|i\.e|cf|vs|resp|approx)\.$/i;

function firstSentence(flat: string): string {
  const end = /[.!?](?= [A-Z(]|$)/g;
  for (let m = end.exec(flat); m; m = end.exec(flat)) {
    const upTo = flat.slice(0, m.index + 1);
    if (!ABBREVIATIONS.test(upTo)) return upTo;
  }
  return flat;
}

/** Every variant of the catalogue, in catalogue order within its group. */
export function variantItems(): VariantItem[] {
  return variantPickEntries().flatMap((e) => (e.kind === 'variant' ? [{ id: e.id, label: e.label, description: e.description, detail: e.detail }] : []));
}

/**
 * The variant picker: a separator titled after each group (fixed order),
 * then that group's variants: label = title, description = one line,
 * detail = paper. Taken from the catalogue, so new variants appear by
 * themselves.
 */
export function variantPickEntries(): VariantPickEntry[] {
  const entries: VariantPickEntry[] = [];
  for (const [group, title] of Object.entries(VARIANT_GROUP_TITLES) as [VariantGroup, string][]) {
    const members = VARIANTS.filter((v) => v.group === group);
    if (members.length === 0) continue;
    entries.push({ kind: 'separator', label: title });
    for (const v of members) entries.push({ kind: 'variant', id: v.id, label: v.title, description: oneLine(v.description), detail: v.paper });
  }
  return entries;
}

export function isVariantId(v: unknown): v is VariantId {
  return typeof v === 'string' && (VARIANT_IDS as readonly string[]).includes(v);
}

export function isToyDataset(v: unknown): v is ToyDataset {
  return typeof v === 'string' && (TOY_DATASETS as readonly string[]).includes(v);
}

/**
 * Why `name` is not a valid experiment name, or undefined when it is. Uses
 * the config schema's own `name` field, so the picker and the schema can
 * never disagree.
 */
export function nameProblem(name: string): string | undefined {
  const r = ConfigSchema.shape.name.safeParse(name);
  return r.success ? undefined : `Invalid name: ${r.error.issues[0]?.message ?? 'not accepted by the config schema'}`;
}

/** `<variant>-<dataset>`, suffixed -2, -3… when a folder of that name exists in `parentDir`. */
export function defaultExperimentName(variant: VariantId, dataset: DatasetId, parentDir?: string): string {
  const base = `${variant}-${dataset}`;
  if (!parentDir) return base;
  for (let i = 1; i < 1000; i++) {
    const name = i === 1 ? base : `${base}-${i}`;
    if (!fs.existsSync(path.join(parentDir, name))) return name;
  }
  return base;
}

const PLACEHOLDER = /\{\{(\w+)\}\}/g;

/** Replace every `{{key}}`; a placeholder without a value is an error (never left in a file). */
export function fillTemplate(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(PLACEHOLDER, (_m, key: string) => {
    if (!Object.prototype.hasOwnProperty.call(values, key)) throw new Error(`template placeholder {{${key}}} has no value`);
    return values[key];
  });
}

export interface ScaffoldRequest {
  variant: VariantId;
  dataset: DatasetId;
  /** For dataset 'folder': the image folder, as gan.config.json will hold it (relative to the experiment folder, or absolute). */
  imageFolder?: string;
  name: string;
  steps?: number;
}

export interface ScaffoldPaths {
  /** Folder holding the template folders (`<extension>/templates`: toy/ for 2-D data, image/ for images). */
  templatesRoot: string;
  /** The extension's install folder: the tsconfig's paths point into it. */
  extensionPath: string;
}

export interface ScaffoldFile {
  name: string;
  content: string;
}

/** How model.ts describes what D returns, per VariantInfo.output. */
const OUTPUT_KIND: Record<DiscriminatorOutput, string> = {
  logit: 'a logit',
  critic: 'an unbounded critic score',
  autoencoder: 'an auto-encoder, scored by its reconstruction error (its energy)',
};


/**
 * Model sizes written into gan.config.json: the schema's defaults for toy
 * data; for images the DCGAN paper's (64 channels at the image end, doubling
 * per halving) with a 64-number z, and as many doublings as the side allows
 * (28 = 7·2², 32 = 4·2³).
 */
function modelSizes(dataset: DatasetId): { latentDim: number; hidden: number; depth: number } {
  if (dataset === 'mnist' || dataset === 'stacked-mnist' || dataset === 'coupled-mnist') return { latentDim: 64, hidden: 64, depth: 2 };
  if (dataset === 'folder') return { latentDim: 64, hidden: 64, depth: 3 };
  return { latentDim: 2, hidden: 128, depth: 3 };
}

/** The data section of gan.config.json. */
export function dataConfigFor(req: Pick<ScaffoldRequest, 'dataset' | 'imageFolder'>): DataConfig {
  if (req.dataset === 'mnist') return { kind: 'mnist' };
  if (req.dataset === 'stacked-mnist') return { kind: 'stacked-mnist' };
  if (req.dataset === 'coupled-mnist') return { kind: 'coupled-mnist' };
  if (req.dataset === 'folder') return { kind: 'folder', path: req.imageFolder ?? 'images', size: 32, channels: 3 };
  return { kind: 'toy', name: req.dataset };
}

/** The template folder of a dataset: toy MLPs, the DCGAN, or CoGAN's coupled pair. */
export function templateFolder(dataset: DatasetId): 'toy' | 'image' | 'cogan' {
  return dataset === 'coupled-mnist' ? 'cogan' : isImageDataset(dataset) ? 'image' : 'toy';
}

/** Toy batches are cheap; image batches follow DCGAN (64). */
const batchSizeFor = (dataset: DatasetId) => (isImageDataset(dataset) ? 64 : 256);
const SEED = 0;

/**
 * The variant's training hyper-parameters, spelled out in gan.config.json so
 * they can be seen and edited: its schedule and optimizer defaults, with the
 * toy-data settings over them on toy data. Betas only for Adam (RMSProp does
 * not read them).
 */
export function trainingFields(variant: VariantId, steps: number, dataset: DatasetId = '8gaussians'): Record<string, number | string> {
  const info = variantInfo(variant);
  const { optimizer = info.optimizer.kind, emaG, ...t } = { ...info.optimizer, nCritic: info.nCritic, ...toySettingsFor(variant, templateFolder(dataset) === 'toy')?.training };
  return {
    steps,
    batchSize: batchSizeFor(dataset),
    seed: SEED,
    nCritic: t.nCritic,
    optimizer,
    lrD: t.lrD,
    lrG: t.lrG,
    ...(optimizer === 'adam' ? { beta1: t.beta1, beta2: t.beta2 } : {}),
    ...(emaG ? { emaG } : {}),
  };
}

interface SchemaNode {
  description?: string;
  properties?: Record<string, SchemaNode>;
}
let schemaCache: SchemaNode | undefined;

/** The config schema's description of `section.key` (what the editor shows on hover). */
export function fieldDescription(section: string, key: string): string | undefined {
  schemaCache ??= configJsonSchema() as SchemaNode;
  return schemaCache.properties?.[section]?.properties?.[key]?.description;
}

/** Word-wrap `text` into lines of at most `width` characters. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** Lines of a JSDoc block body (` * ` prefixed, no trailing newline); `first`/`rest` indent the first and later lines. */
function commentBlock(text: string, first = '', rest = first): string {
  return wrap(text, 76 - rest.length)
    .map((l, i) => ` * ${i ? rest : first}${l}`)
    .join('\n');
}

/** One comment entry per hyper-parameter the config spells out: `section.key = value: what it does`. */
function hyperParameterComments(training: Record<string, unknown>, options: Record<string, unknown>, model: Record<string, unknown> = {}): string {
  const entry = (section: string, key: string, value: unknown) => {
    const what = (fieldDescription(section, key) ?? '').replace(/\s*\(default: the variant's\)/, '');
    return commentBlock(`${section}.${key} = ${JSON.stringify(value)}: ${what}`, '  ', '    ');
  };
  return [
    ...Object.entries(model).map(([k, v]) => entry('model', k, v)),
    ...Object.entries(training).map(([k, v]) => entry('training', k, v)),
    ...Object.entries(options).map(([k, v]) => entry('options', k, v)),
  ].join('\n');
}

/** JSON of an object on one line with spaces inside the braces, as the template writes it. */
function inlineJson(o: Record<string, unknown>): string {
  const body = Object.entries(o)
    .map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`)
    .join(', ');
  return body ? `{ ${body} }` : '{}';
}

export function templateValues(req: ScaffoldRequest): Record<string, string> {
  const info = variantInfo(req.variant);
  const training = trainingFields(req.variant, req.steps ?? DEFAULT_STEPS, req.dataset);
  const toy = toySettingsFor(req.variant, templateFolder(req.dataset) === 'toy');
  const options: Record<string, unknown> = { ...info.options, ...toy?.options };
  const { hidden, latentDim, depth, ...modelExtras } = { ...modelSizes(req.dataset), ...toy?.model };
  const sizes = { latentDim, hidden, depth };
  const hyper = hyperParameterComments(training, options, modelExtras);
  return {
    name: req.name,
    variant: req.variant,
    data: inlineJson(dataConfigFor(req) as unknown as Record<string, unknown>),
    variantTitle: info.title,
    variantAbout: `${commentBlock(info.description)}\n${commentBlock(`Paper: ${info.paper}.`)}`,
    outputKind: OUTPUT_KIND[info.output],
    latentDim: String(sizes.latentDim),
    hidden: String(sizes.hidden),
    depth: String(sizes.depth),
    training: inlineJson(training),
    options: inlineJson(options),
    model: inlineJson({ file: 'model.ts', ...sizes, ...modelExtras }),
    hyperParameters: toy ? `${hyper}\n *\n${commentBlock(`Why these values on toy data (measured by the project's variants benchmark): ${toy.why}.`, '  ', '  ')}` : hyper,
  };
}

/**
 * A tsconfig for the experiment folder, so the editor resolves the model's
 * imports to the extension's own copies and completes the model code.
 */
export function experimentTsconfig(extensionPath: string): string {
  const abs = (...p: string[]) => path.join(extensionPath, ...p).split(path.sep).join('/');
  const tsconfig = {
    compilerOptions: {
      target: 'ES2022',
      module: 'ESNext',
      moduleResolution: 'Bundler',
      lib: ['ES2022', 'DOM'],
      strict: true,
      skipLibCheck: true,
      noEmit: true,
      types: [],
      paths: {
        '@tensorflow/tfjs': [abs('node_modules', '@tensorflow', 'tfjs')],
        'gan-workbench': [abs('src', 'trainer', 'userApi.ts')],
      },
    },
    include: ['*.ts'],
  };
  return JSON.stringify(tsconfig, null, 2) + '\n';
}

/** The files of a new experiment folder, filled in. */
export function scaffoldFiles(req: ScaffoldRequest, paths: ScaffoldPaths): ScaffoldFile[] {
  const problem = nameProblem(req.name);
  if (problem) throw new Error(problem);
  if (!isVariantId(req.variant)) throw new Error(`unknown variant '${String(req.variant)}' (known: ${VARIANT_IDS.join(', ')})`);
  if (!isDatasetId(req.dataset)) throw new Error(`unknown dataset '${String(req.dataset)}' (known: ${[...TOY_DATASETS, ...IMAGE_DATASETS].join(', ')})`);
  if (req.steps !== undefined && !(Number.isInteger(req.steps) && req.steps >= 1)) throw new Error(`steps must be a positive integer, not ${req.steps}`);
  if (req.dataset === 'coupled-mnist' && variantInfo(req.variant).output === 'autoencoder') {
    throw new Error(`the CoGAN model scores each domain with a logit or critic D; '${req.variant}' has an auto-encoder D: pick another variant for MNIST and inverted MNIST`);
  }
  const values = templateValues(req);
  const dir = path.join(paths.templatesRoot, templateFolder(req.dataset));
  const names = fs.readdirSync(dir).filter((n) => fs.statSync(path.join(dir, n)).isFile()).sort();
  if (!names.includes('gan.config.json')) throw new Error(`template folder ${dir} has no gan.config.json`);
  const files = names.map((name) => ({ name, content: fillTemplate(fs.readFileSync(path.join(dir, name), 'utf8'), values) }));
  if (!names.includes('tsconfig.json')) files.push({ name: 'tsconfig.json', content: experimentTsconfig(paths.extensionPath) });
  return files;
}

export class ExperimentExistsError extends Error {
  constructor(readonly dir: string) {
    super(`A folder named '${path.basename(dir)}' already exists in ${path.dirname(dir)}; nothing was written. Choose another name.`);
    this.name = 'ExperimentExistsError';
  }
}

/**
 * Write `<parentDir>/<name>/…`. Refuses (ExperimentExistsError) when the
 * folder exists: an existing experiment is never overwritten.
 */
export function writeExperiment(parentDir: string, req: ScaffoldRequest, paths: ScaffoldPaths): { dir: string; config: string; files: string[] } {
  const files = scaffoldFiles(req, paths);
  const dir = path.join(parentDir, req.name);
  fs.mkdirSync(parentDir, { recursive: true });
  try {
    fs.mkdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new ExperimentExistsError(dir);
    throw e;
  }
  const written: string[] = [];
  for (const f of files) {
    const file = path.join(dir, f.name);
    fs.writeFileSync(file, f.content, { flag: 'wx' });
    written.push(file);
  }
  return { dir, config: path.join(dir, 'gan.config.json'), files: written };
}
