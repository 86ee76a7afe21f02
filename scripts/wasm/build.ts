/**
 * Compiles every src/trainer/kernels/simd/NAME.wat into NAMEWasm.ts next to
 * it (both memory kinds, base64), so the trainer bundle and the tests load
 * the kernels without a build step of their own:
 *   npm run build:wasm
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { binariesModule, compileWat } from './compileWat';

export const SIMD_DIR = path.join(__dirname, '..', '..', 'src', 'trainer', 'kernels', 'simd');

async function main(): Promise<void> {
  for (const file of fs.readdirSync(SIMD_DIR).filter((f) => f.endsWith('.wat'))) {
    const out = path.join(SIMD_DIR, file.replace(/\.wat$/, 'Wasm.ts'));
    const text = binariesModule(file, await compileWat(file, fs.readFileSync(path.join(SIMD_DIR, file), 'utf8')));
    fs.writeFileSync(out, text);
    console.log(`${path.relative(process.cwd(), out)}: ${text.length} characters`);
  }
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
