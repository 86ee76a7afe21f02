/**
 * Which Node runs the trainer. Native tfjs bindings need a real Node, so:
 * the `ganWorkbench.nodePath` setting, else `node` on PATH, else VS Code's
 * own runtime (Electron) with ELECTRON_RUN_AS_NODE=1.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BACKENDS, type BackendChoice } from '../../protocol/config';

export interface NodeRuntime {
  command: string;
  /** Extra environment for the child (on top of the host's). */
  env: Record<string, string>;
  source: 'setting' | 'path' | 'electron';
}

export interface RuntimeQuery {
  /** ganWorkbench.nodePath; empty or blank means unset. */
  setting?: string;
  /** PATH of the host's environment. */
  envPath?: string;
  /** PATHEXT (Windows). */
  pathExt?: string;
  platform?: NodeJS.Platform;
  /** process.execPath of the extension host. */
  execPath: string;
  isExecutable?: (file: string) => boolean;
}

export function isExecutableFile(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) return false;
    if (process.platform === 'win32') return true;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** First executable called `name` on `envPath`. */
export function findOnPath(name: string, q: Pick<RuntimeQuery, 'envPath' | 'pathExt' | 'platform' | 'isExecutable'>): string | undefined {
  const platform = q.platform ?? process.platform;
  const isExec = q.isExecutable ?? isExecutableFile;
  const sep = platform === 'win32' ? ';' : ':';
  const join = platform === 'win32' ? path.win32.join : path.posix.join;
  const exts = platform === 'win32' ? ['', ...(q.pathExt ?? '.EXE;.CMD;.BAT;.COM').split(';').filter(Boolean)] : [''];
  for (const dir of (q.envPath ?? '').split(sep)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = join(dir, name + ext);
      if (isExec(candidate)) return candidate;
    }
  }
  return undefined;
}

export class NodeRuntimeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NodeRuntimeError';
  }
}

export function chooseNodeRuntime(q: RuntimeQuery): NodeRuntime {
  const isExec = q.isExecutable ?? isExecutableFile;
  const setting = q.setting?.trim();
  if (setting) {
    const hasDir = setting.includes('/') || setting.includes('\\');
    const found = hasDir ? (isExec(setting) ? setting : undefined) : findOnPath(setting, q);
    if (!found) {
      throw new NodeRuntimeError(
        `The setting ganWorkbench.nodePath is '${setting}', which is not an executable ${hasDir ? 'file' : 'on PATH'}. Fix the setting or clear it to use node from PATH.`,
      );
    }
    return { command: found, env: {}, source: 'setting' };
  }
  const onPath = findOnPath('node', q);
  if (onPath) return { command: onPath, env: {}, source: 'path' };
  return { command: q.execPath, env: { ELECTRON_RUN_AS_NODE: '1' }, source: 'electron' };
}

/** The config's backend wins unless it is 'auto'; then the setting (default auto). */
export function chooseBackend(configBackend: BackendChoice | undefined, setting: string | undefined): BackendChoice {
  if (configBackend && configBackend !== 'auto') return configBackend;
  return setting && (BACKENDS as readonly string[]).includes(setting) ? (setting as BackendChoice) : 'auto';
}
