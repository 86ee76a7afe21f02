// One build script for the three parts (extension host, trainer, webview) and
// the config JSON schema. Type-checking is separate: `npm run typecheck`.
//   node esbuild.mjs [--production] [--watch]
import * as esbuild from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'info',
  target: 'es2022',
};

// Native/optional modules and tfjs stay outside the trainer bundle: tfjs-backend-wasm
// locates its .wasm files next to its own module, and the native bindings are
// optional dependencies that may be absent.
const trainerExternal = ['@tensorflow/*', 'esbuild', 'webgpu'];

const builds = [
  {
    ...common,
    entryPoints: { extension: 'src/extension/extension.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    external: ['vscode'],
  },
  {
    ...common,
    entryPoints: { trainer: 'src/trainer/cli.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    external: trainerExternal,
  },
  {
    ...common,
    entryPoints: { dashboard: 'webview-ui/src/main.ts' },
    outdir: 'dist/webview',
    platform: 'browser',
    format: 'iife',
    loader: { '.css': 'css' },
  },
  {
    // Tests that run inside a real VS Code extension host (mocha).
    ...common,
    entryPoints: ['test/host/suite/index.ts'],
    outdir: 'out/test/host/suite',
    platform: 'node',
    format: 'cjs',
    external: ['vscode', 'mocha'],
  },
];

async function writeSchema() {
  // The editor's JSON validation schema is generated from the zod schema so the
  // two can never disagree (a unit test checks the committed file is current).
  const require = createRequire(import.meta.url);
  const tmp = 'out/schema-gen.cjs';
  await esbuild.build({ entryPoints: ['src/protocol/config.ts'], outfile: tmp, bundle: true, platform: 'node', format: 'cjs', logLevel: 'warning' });
  const { configJsonSchema } = require(`./${tmp}`);
  mkdirSync('schemas', { recursive: true });
  writeFileSync('schemas/gan.config.schema.json', JSON.stringify(configJsonSchema(), null, 2) + '\n');
}

await writeSchema();
if (watch) {
  const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
