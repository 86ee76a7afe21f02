/**
 * Compile the user's model file with esbuild and load its builders. Imports of
 * '@tensorflow/tfjs' and 'gan-workbench' resolve to the trainer's own modules
 * (through a global), so user code shares the trainer's tfjs instance and
 * needs no node_modules in the workspace.
 */
import * as esbuild from 'esbuild';
import * as path from 'node:path';
import * as vm from 'node:vm';
import * as tf from '@tensorflow/tfjs';
import * as userApi from './userApi';
import type { Module, ModelContext } from './userApi';

export interface CompileProblem {
  file: string;
  line: number;
  column: number;
  message: string;
}

export class CompileError extends Error {
  constructor(readonly problems: CompileProblem[]) {
    super(problems.map((p) => `${p.file}:${p.line}:${p.column}: ${p.message}`).join('\n'));
    this.name = 'CompileError';
  }
}

export interface ModelBuilders {
  buildGenerator(ctx: ModelContext): Module;
  buildDiscriminator(ctx: ModelContext): Module;
}

const HOST_MODULES: Record<string, unknown> = {
  '@tensorflow/tfjs': tf,
  '@tensorflow/tfjs-core': tf,
  '@tensorflow/tfjs-layers': tf,
  'gan-workbench': userApi,
};
const GLOBAL_KEY = '__ganWorkbenchHostModules';

const hostModulesPlugin: esbuild.Plugin = {
  name: 'gan-workbench-host-modules',
  setup(build) {
    const filter = new RegExp(`^(${Object.keys(HOST_MODULES).map((k) => k.replace(/[/\\^$*+?.()|[\]{}-]/g, '\\$&')).join('|')})$`);
    build.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'ganwb-host' }));
    build.onLoad({ filter: /.*/, namespace: 'ganwb-host' }, (args) => ({
      contents: `module.exports = globalThis[${JSON.stringify(GLOBAL_KEY)}][${JSON.stringify(args.path)}];`,
      loader: 'js',
    }));
  },
};

/** Bundle the model file to CommonJS. Throws CompileError with file:line for each problem. */
export async function compileModel(file: string): Promise<string> {
  const abs = path.resolve(file);
  let result: esbuild.BuildResult & { outputFiles: esbuild.OutputFile[] };
  try {
    result = await esbuild.build({
      entryPoints: [abs],
      bundle: true,
      write: false,
      format: 'cjs',
      platform: 'node',
      target: 'es2022',
      sourcemap: 'inline',
      logLevel: 'silent',
      plugins: [hostModulesPlugin],
    });
  } catch (e) {
    const failure = e as esbuild.BuildFailure;
    if (!Array.isArray(failure.errors)) throw e;
    throw new CompileError(
      failure.errors.map((m) => ({
        file: m.location?.file ? path.resolve(m.location.file) : abs,
        line: m.location?.line ?? 1,
        column: (m.location?.column ?? 0) + 1,
        message: m.text,
      })),
    );
  }
  return result.outputFiles[0].text;
}

/** Evaluate a compiled bundle and check it exports the two builders. */
export function loadBuilders(code: string, file: string): ModelBuilders {
  (globalThis as Record<string, unknown>)[GLOBAL_KEY] = HOST_MODULES;
  process.setSourceMapsEnabled(true);
  const mod = { exports: {} as Record<string, unknown> };
  const wrapper = vm.runInThisContext(`(function (module, exports, require) {${code}\n})`, { filename: path.resolve(file) });
  wrapper(mod, mod.exports, require);
  const missing = ['buildGenerator', 'buildDiscriminator'].filter((k) => typeof mod.exports[k] !== 'function');
  if (missing.length) {
    throw new CompileError(
      missing.map((k) => ({ file: path.resolve(file), line: 1, column: 1, message: `the model file must export a function ${k}(ctx: ModelContext): Module` })),
    );
  }
  return mod.exports as unknown as ModelBuilders;
}

export async function compileAndLoad(file: string): Promise<ModelBuilders> {
  return loadBuilders(await compileModel(file), file);
}
