/**
 * Entry of the mocha suite that runs inside a real VS Code extension host
 * (bundled by esbuild.mjs to out/test/host/suite/index.js; mocha stays
 * external and resolves from the extension's node_modules). VS Code calls
 * run() when the window is opened with the `extensionTestsPath` payload; a
 * rejected promise makes the host exit with code 1, which the runner
 * (test/host/ui.test.ts) receives through window.codeAutomationExit.
 */
import Mocha from 'mocha';
import { defineTests } from './hostTests';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 60_000, reporter: 'spec' });
  // Install suite/test/suiteSetup… as globals, then let the bundled test
  // module declare its tests (there are no files for mocha to load).
  mocha.suite.emit('pre-require', globalThis, 'test/host/suite/hostTests.ts', mocha);
  defineTests();
  return new Promise((resolve, reject) => {
    try {
      mocha.run((failures) => {
        if (failures > 0) reject(new Error(`${failures} host test(s) failed`));
        else resolve();
      });
    } catch (e) {
      reject(e as Error);
    }
  });
}
