// Bundles the preview page (dev/preview.ts + the real dashboard) and the
// benchmark's worker into dev/out/ (git-ignored).
//   node webview-ui/dev/build.mjs
import * as esbuild from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
await esbuild.build({
  entryPoints: { preview: join(here, 'preview.ts'), 'bench-worker': join(here, 'bench-worker.ts') },
  outdir: join(here, 'out'),
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  sourcemap: true,
  loader: { '.css': 'css' },
  logLevel: 'info',
});
