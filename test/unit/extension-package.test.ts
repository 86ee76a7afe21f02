import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { experimentTsconfig } from '../../src/extension/scaffold/scaffold';

const REPO = path.join(__dirname, '..', '..');

/** The repository files a module imports, directly or not, through relative specifiers (type-only imports too: tsc reads them). */
function importClosure(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = fs.readFileSync(path.join(REPO, file), 'utf8');
    for (const m of text.matchAll(/(?:from|import)\s+'(\.{1,2}\/[^']+)'/g)) {
      const base = path.posix.normalize(path.posix.join(path.posix.dirname(file), m[1]));
      const found = [`${base}.ts`, `${base}/index.ts`, base].find((c) => fs.existsSync(path.join(REPO, c)) && fs.statSync(path.join(REPO, c)).isFile());
      assert.ok(found, `${file}: cannot resolve '${m[1]}'`);
      visit(found);
    }
  };
  visit(entry);
  return [...seen];
}

/**
 * Whether .vscodeignore leaves `file` out of the package: the last pattern
 * that matches decides, a leading ! keeps. Globs as the file writes them:
 * `**` any path, `*` within one folder, anchored at the root.
 */
function ignored(file: string, patterns: string[]): boolean {
  let out = false;
  for (const raw of patterns) {
    const keep = raw.startsWith('!');
    const glob = keep ? raw.slice(1) : raw;
    // `**/` is any number of folders (none too), `**` anything, `*` anything within one folder.
    const tokens = { '**/': '(?:.*/)?', '**': '.*', '*': '[^/]*' } as Record<string, string>;
    const source = glob.replace(/\*\*\/|\*\*|\*|[.+?^${}()|[\]\\]/g, (t) => tokens[t] ?? `\\${t}`);
    const re = new RegExp(`^${source}$`);
    if (re.test(file)) out = !keep;
  }
  return out;
}

test('the packaged extension keeps what a scaffolded experiment type-checks against: userApi.ts and every module it imports', () => {
  // The scaffold's tsconfig sends 'gan-workbench' to the installed extension's userApi.ts.
  const target = (JSON.parse(experimentTsconfig('/ext')) as { compilerOptions: { paths: Record<string, string[]> } }).compilerOptions.paths['gan-workbench'][0];
  assert.equal(target, '/ext/src/trainer/userApi.ts');
  const patterns = fs
    .readFileSync(path.join(REPO, '.vscodeignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const closure = importClosure('src/trainer/userApi.ts');
  assert.ok(closure.length > 1, 'userApi.ts imports modules of its own');
  const missing = closure.filter((f) => ignored(f, patterns));
  assert.deepEqual(missing, [], `.vscodeignore leaves these out of the package; add a !line for each: ${missing.join(', ')}`);
  // The matcher itself: the rest of the trainer stays out, the bundles stay in.
  assert.ok(ignored('src/trainer/loop.ts', patterns) && ignored('test/unit/x.test.ts', patterns) && ignored('dist/trainer.js.map', patterns));
  assert.ok(!ignored('dist/trainer.js', patterns) && !ignored('templates/toy/model.ts', patterns));
});
