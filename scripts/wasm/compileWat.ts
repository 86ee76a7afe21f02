/**
 * WebAssembly text → binary for the project's SIMD kernels
 * (src/trainer/kernels/simd/*.wat), with wabt: the WebAssembly binary
 * toolkit's own assembler built for Node, so the binaries are reproducible
 * from the text on any machine with npm, without an Emscripten or LLVM
 * toolchain.
 *
 * Each module is built twice. tfjs-backend-wasm's threaded build runs on a
 * shared memory and its single-thread build on an unshared one, and a module
 * that imports a memory must declare which kind it gets.
 */
import wabtInit from 'wabt';

/** The memory import every kernel module declares in its text (the shared form). */
export const SHARED_IMPORT = '(import "env" "memory" (memory 1 65536 shared))';
const UNSHARED_IMPORT = '(import "env" "memory" (memory 1))';
/** What the kernels use beyond WebAssembly 1.0: 128-bit SIMD, a shared memory, memory.fill. */
const FEATURES = { simd: true, threads: true, bulk_memory: true };

export interface KernelBinaries {
  shared: Uint8Array;
  unshared: Uint8Array;
}

export async function compileWat(name: string, text: string): Promise<KernelBinaries> {
  if (!text.includes(SHARED_IMPORT)) throw new Error(`${name}: the module must import its memory as ${SHARED_IMPORT}`);
  const wabt = await wabtInit();
  const build = (source: string) => {
    const module = wabt.parseWat(name, source, FEATURES);
    try {
      // index.d.ts leaves out validate's features argument; without it a shared memory is refused.
      (module as unknown as { validate(features: object): void }).validate(FEATURES);
      return Uint8Array.from(module.toBinary({ log: false, write_debug_names: false }).buffer);
    } finally {
      module.destroy();
    }
  };
  return { shared: build(text), unshared: build(text.replace(SHARED_IMPORT, UNSHARED_IMPORT)) };
}

/** The TypeScript module that carries both binaries (base64), as scripts/wasm/build.ts writes it. */
export function binariesModule(watFile: string, binaries: KernelBinaries): string {
  const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
  return [
    `// Generated from ${watFile} by scripts/wasm/build.ts (npm run build:wasm): do not edit.`,
    '// test/unit/simd-binaries.test.ts checks that it matches the text.',
    `export const SHARED = '${b64(binaries.shared)}';`,
    `export const UNSHARED = '${b64(binaries.unshared)}';`,
    '',
  ].join('\n');
}
