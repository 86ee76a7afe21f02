/**
 * New Experiment, without the UI: what the pickers offer, how a name is
 * checked, and which files an experiment folder gets. No `vscode` import:
 * unit-tested under plain Node.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigSchema, TOY_DATASETS, type ToyDataset } from '../../protocol/config';
import { VARIANTS, VARIANT_IDS, variantInfo, type DiscriminatorOutput, type VariantId } from '../../protocol/variants';

export const DEFAULT_STEPS = 2000;

/** The dataset picker: labels are part of the UI contract (tests pick by label). */
export const DATASET_ITEMS: readonly { id: ToyDataset; label: string; detail: string }[] = [
  { id: '8gaussians', label: '8 Gaussians (ring)', detail: '8 modes at radius 2 on the compass directions, std 0.02 (WGAN-GP paper): the mode-collapse test.' },
  { id: '25gaussians', label: '25 Gaussians (grid)', detail: '25 modes on a 5×5 grid, std 0.05 (WGAN-GP paper): many close modes.' },
  { id: 'swissroll', label: 'Swiss roll', detail: 'A 2-D Swiss roll with noise 0.25 (WGAN-GP paper): a curved, connected manifold.' },
];

export interface VariantItem {
  id: VariantId;
  label: string;
  description: string;
  detail: string;
}

/** The variant picker: label = title, description = group, detail = description + paper. */
export function variantItems(): VariantItem[] {
  return VARIANTS.map((v) => ({ id: v.id, label: v.title, description: v.group, detail: `${v.description} (${v.paper})` }));
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
export function defaultExperimentName(variant: VariantId, dataset: ToyDataset, parentDir?: string): string {
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
  dataset: ToyDataset;
  name: string;
  steps?: number;
}

export interface ScaffoldPaths {
  /** Folder holding the template files (`<extension>/templates/toy`). */
  templatesDir: string;
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

export function templateValues(req: ScaffoldRequest): Record<string, string> {
  const info = variantInfo(req.variant);
  return {
    name: req.name,
    variant: req.variant,
    dataset: req.dataset,
    steps: String(req.steps ?? DEFAULT_STEPS),
    variantTitle: info.title,
    outputKind: OUTPUT_KIND[info.output],
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
  if (!isToyDataset(req.dataset)) throw new Error(`unknown dataset '${String(req.dataset)}' (known: ${TOY_DATASETS.join(', ')})`);
  if (req.steps !== undefined && !(Number.isInteger(req.steps) && req.steps >= 1)) throw new Error(`steps must be a positive integer, not ${req.steps}`);
  const values = templateValues(req);
  const names = fs.readdirSync(paths.templatesDir).filter((n) => fs.statSync(path.join(paths.templatesDir, n)).isFile()).sort();
  if (!names.includes('gan.config.json')) throw new Error(`template folder ${paths.templatesDir} has no gan.config.json`);
  const files = names.map((name) => ({ name, content: fillTemplate(fs.readFileSync(path.join(paths.templatesDir, name), 'utf8'), values) }));
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
