/**
 * GAN: New Experiment… — variant, dataset and name, then an experiment
 * folder from templates/toy (2-D data) or templates/image (MNIST, a folder of
 * images: a DCGAN). With an argument `{variant, dataset, name, imageFolder?,
 * folder?, steps?, open?}` the pickers are skipped (tests, other commands).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { VariantId } from '../../protocol/variants';
import type { Logger } from '../logger';
import { requireTrust } from '../trust';
import {
  DATASET_ITEMS,
  defaultExperimentName,
  ExperimentExistsError,
  isDatasetId,
  isVariantId,
  nameProblem,
  variantPickEntries,
  writeExperiment,
  type DatasetId,
  type ScaffoldRequest,
} from './scaffold';

export interface NewExperimentArgs {
  variant: string;
  dataset: string;
  /** For dataset 'folder': the image folder (relative to the new experiment folder, or absolute). */
  imageFolder?: string;
  name: string;
  /** Folder to create `<name>/` in (default: the workspace folder). */
  folder?: string | vscode.Uri;
  steps?: number;
  /** Open gan.config.json afterwards (default true). */
  open?: boolean;
}

export interface NewExperimentResult {
  folder: string;
  config: string;
  files: string[];
}

function asPath(p: string | vscode.Uri): string {
  return typeof p === 'string' ? p : p.fsPath;
}

async function pickParentFolder(): Promise<string | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 0) {
    void vscode.window.showErrorMessage('GAN: open a folder first; New Experiment creates the experiment inside it.');
    return undefined;
  }
  if (folders.length === 1) return folders[0].uri.fsPath;
  const f = await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Workspace folder for the new experiment' });
  return f?.uri.fsPath;
}

async function askRequest(parent: string): Promise<ScaffoldRequest | undefined> {
  // Separators title the groups; only variant rows carry an id.
  type Row = vscode.QuickPickItem & { id?: VariantId };
  const rows: Row[] = variantPickEntries().map((e) =>
    e.kind === 'separator' ? { label: e.label, kind: vscode.QuickPickItemKind.Separator } : { id: e.id, label: e.label, description: e.description, detail: e.detail },
  );
  const picked = await vscode.window.showQuickPick(rows, {
    title: 'GAN: New Experiment (1/3)',
    placeHolder: 'GAN variant (type to filter by name, description or paper)',
    matchOnDescription: true,
    matchOnDetail: true,
  });
  const variant = picked?.id;
  if (!variant) return undefined;
  const dataset = await vscode.window.showQuickPick(
    DATASET_ITEMS.map((d) => ({ ...d })),
    { title: 'GAN: New Experiment (2/3)', placeHolder: 'Training data', matchOnDetail: true },
  );
  if (!dataset) return undefined;
  let imageFolder: string | undefined;
  if (dataset.id === 'folder') {
    const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Train on this folder', title: 'GAN: the folder of images (PNG, JPEG; searched recursively)' });
    if (!picked?.[0]) return undefined;
    imageFolder = picked[0].fsPath;
  }
  const name = await vscode.window.showInputBox({
    title: 'GAN: New Experiment (3/3)',
    prompt: `Experiment name: the folder created in ${parent}`,
    value: defaultExperimentName(variant, dataset.id, parent),
    validateInput: (v) => nameProblem(v) ?? (fs.existsSync(path.join(parent, v)) ? `A folder named '${v}' already exists here` : undefined),
  });
  if (!name) return undefined;
  return { variant, dataset: dataset.id, name, ...(imageFolder ? { imageFolder: configFolderPath(parent, name, imageFolder) } : {}) };
}

/**
 * How gan.config.json names the image folder: relative to the experiment
 * when the folder is inside the same workspace folder (the two move
 * together), else absolute.
 */
function configFolderPath(parent: string, name: string, folder: string): string {
  const inside = path.relative(parent, folder);
  if (inside.startsWith('..') || path.isAbsolute(inside)) return folder;
  return path.relative(path.join(parent, name), folder).split(path.sep).join('/') || '.';
}

export async function newExperiment(context: vscode.ExtensionContext, log: Logger, arg?: NewExperimentArgs): Promise<NewExperimentResult | undefined> {
  if (!requireTrust('newExperiment')) return undefined;
  let parent: string | undefined;
  let req: ScaffoldRequest | undefined;
  if (arg && typeof arg === 'object' && 'variant' in arg) {
    const problems: string[] = [];
    if (!isVariantId(arg.variant)) problems.push(`unknown variant '${String(arg.variant)}'`);
    if (!isDatasetId(arg.dataset)) problems.push(`unknown dataset '${String(arg.dataset)}'`);
    if (arg.imageFolder !== undefined && typeof arg.imageFolder !== 'string') problems.push('imageFolder must be a path');
    const np = typeof arg.name === 'string' ? nameProblem(arg.name) : 'a name is required';
    if (np) problems.push(np);
    if (problems.length) {
      void vscode.window.showErrorMessage(`GAN: New Experiment: ${problems.join('; ')}`);
      return undefined;
    }
    parent = arg.folder ? asPath(arg.folder) : await pickParentFolder();
    req = { variant: arg.variant as VariantId, dataset: arg.dataset as DatasetId, name: arg.name, steps: arg.steps, ...(arg.imageFolder ? { imageFolder: arg.imageFolder } : {}) };
  } else {
    parent = await pickParentFolder();
    if (parent) req = await askRequest(parent);
  }
  if (!parent || !req) return undefined;
  let result: NewExperimentResult;
  try {
    const w = writeExperiment(parent, req, { templatesRoot: context.asAbsolutePath('templates'), extensionPath: context.extensionPath });
    result = { folder: w.dir, config: w.config, files: w.files };
  } catch (e) {
    const msg = e instanceof ExperimentExistsError ? `GAN: ${e.message}` : `GAN: could not create the experiment: ${(e as Error).message}`;
    log.error(msg);
    void vscode.window.showErrorMessage(msg);
    return undefined;
  }
  log.info(`new experiment ${req.name} (${req.variant}, ${req.dataset}) in ${result.folder}`);
  if (arg?.open !== false) await vscode.window.showTextDocument(vscode.Uri.file(result.config));
  return result;
}
