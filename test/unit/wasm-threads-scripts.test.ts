import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { writeScripts } from '../../src/trainer/kernels/wasmThreads';

test('the threaded build\'s scripts are written once per content and reused, so killed trainers leave nothing new in the temporary directory', () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'scripts-test-'));
  try {
    const a = writeScripts('worker();', 'var M = 1;', base);
    assert.equal(fs.readFileSync(a.workerJs, 'utf8'), 'worker();');
    assert.equal(fs.readFileSync(a.mainJs, 'utf8'), 'var M = 1;');
    assert.deepEqual(writeScripts('worker();', 'var M = 1;', base), a, 'the same scripts: the same files');
    assert.equal(fs.readdirSync(base).length, 1);
    // A damaged copy is rewritten, not trusted.
    fs.writeFileSync(a.mainJs, 'var M = ');
    writeScripts('worker();', 'var M = 1;', base);
    assert.equal(fs.readFileSync(a.mainJs, 'utf8'), 'var M = 1;');
    // Another tfjs version: another folder.
    const b = writeScripts('worker2();', 'var M = 1;', base);
    assert.notEqual(path.dirname(b.workerJs), path.dirname(a.workerJs));
    assert.deepEqual(fs.readdirSync(path.dirname(a.workerJs)).sort(), ['main.js', 'worker.js'], 'no partial files left');
    // Where the shared folder cannot be made, a private one.
    const c = writeScripts('w3', 'm3', base);
    fs.rmSync(path.dirname(c.workerJs), { recursive: true });
    fs.writeFileSync(path.dirname(c.workerJs), 'not a folder');
    const d = writeScripts('w3', 'm3', base);
    assert.notEqual(path.dirname(d.workerJs), path.dirname(c.workerJs));
    assert.equal(fs.readFileSync(d.mainJs, 'utf8'), 'm3');
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
});
