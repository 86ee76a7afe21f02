import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { binariesModule, compileWat } from '../../scripts/wasm/compileWat';

const SIMD_DIR = path.join(__dirname, '..', '..', 'src', 'trainer', 'kernels', 'simd');

test('every SIMD kernel module (.wat) has its compiled binaries beside it, up to date (npm run build:wasm)', async () => {
  const wats = fs.readdirSync(SIMD_DIR).filter((f) => f.endsWith('.wat'));
  assert.ok(wats.length > 0);
  for (const wat of wats) {
    const generated = path.join(SIMD_DIR, wat.replace(/\.wat$/, 'Wasm.ts'));
    assert.ok(fs.existsSync(generated), `${path.basename(generated)} is missing: run npm run build:wasm`);
    const want = binariesModule(wat, await compileWat(wat, fs.readFileSync(path.join(SIMD_DIR, wat), 'utf8')));
    assert.equal(fs.readFileSync(generated, 'utf8'), want, `${path.basename(generated)} is older than ${wat}: run npm run build:wasm`);
  }
});

test('a kernel module must import the heap as a shared memory (the form the two builds are made from)', async () => {
  await assert.rejects(compileWat('bad.wat', '(module (import "env" "memory" (memory 1)))'), /must import its memory as \(import "env" "memory" \(memory 1 65536 shared\)\)/);
});
