/**
 * scripts/host/electronTests.ts, the @vscode/test-electron runner of the
 * in-host suite. VS Code cannot be downloaded here, so the real window is
 * replaced by a fake executable that records how it was launched: what is
 * tested is our side (arguments, profile, exit codes, error messages), and
 * test-electron's own spawn of the executable.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_VSCODE_VERSION, explainElectronFailure, parseElectronArgs } from '../../scripts/host/electronTests';
import { HOST_SUITE_BUNDLE } from '../../scripts/host/extensionTests';
import { REPO_ROOT } from '../../scripts/host/server';

test('test:electron arguments: the engines floor by default, a bad version or flag is refused by name', () => {
  assert.deepEqual(parseElectronArgs([]), { version: DEFAULT_VSCODE_VERSION, executable: undefined, keep: false });
  assert.equal(parseElectronArgs(['--vscode-version', 'stable']).version, 'stable');
  assert.equal(parseElectronArgs(['--vscode-executable', '/opt/code/code']).executable, '/opt/code/code');
  assert.throws(() => parseElectronArgs(['--vscode-version', 'latest!']), /--vscode-version: 'latest!' is not a VS Code version; use one like 1\.100\.3/);
  assert.throws(() => parseElectronArgs(['--vscode-versoin', '1.2.3']), /vscode-versoin/);
});

test('test:electron errors: an unreachable download says so and names the alternatives; a failed suite says where its report is', () => {
  const plan = parseElectronArgs([]);
  // Node's fetch wraps the DNS error: the code sits on the cause.
  const offline = Object.assign(new Error('fetch failed'), { cause: Object.assign(new Error('getaddrinfo ENOTFOUND update.code.visualstudio.com'), { code: 'ENOTFOUND' }) });
  const m = explainElectronFailure(offline, plan);
  assert.match(m, /could not download VS Code 1\.100\.3 \(ENOTFOUND: fetch failed\)/);
  assert.match(m, /`npm test` runs the same suite in code-server/);
  assert.match(m, /--vscode-executable/);
  assert.match(explainElectronFailure(new Error('getaddrinfo EAI_AGAIN update.code.visualstudio.com'), plan), /could not download/, 'a code only in the message counts too');
  // With a local executable nothing is downloaded, so a network code is not blamed on a download.
  assert.doesNotMatch(explainElectronFailure(offline, { ...plan, executable: '/x/code' }), /could not download/);
  const failed = Object.assign(new Error('Test run failed with code 1'), { name: 'TestRunFailedError', code: 1 });
  assert.match(explainElectronFailure(failed, plan), /the in-host suite failed \(Test run failed with code 1\); its mocha report is above/);
  assert.equal(explainElectronFailure(new Error('boom'), plan), 'test:electron: boom');
  assert.equal(explainElectronFailure(null, plan), 'test:electron: null', 'a thrown non-object is reported, not a TypeError');
});

test('test:electron launches the executable on a fresh workspace and profile, with the suite bundle and this extension, and passes its exit code on', { skip: !existsSync(HOST_SUITE_BUNDLE) && 'needs `npm run build` (out/test/host/suite)' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'gan-fake-code-'));
  try {
    const record = join(dir, 'launch.txt');
    const fake = join(dir, 'code');
    // Records one argument per line, then what the workspace and profile held while it ran.
    writeFileSync(
      fake,
      [
        '#!/bin/sh',
        `for a in "$@"; do printf '%s\\n' "$a"; done > "${record}"`,
        `[ -d "$1" ] && echo "workspace-is-dir" >> "${record}"`,
        'ud=""; prev=""; for a in "$@"; do [ "$prev" = "--user-data-dir" ] && ud="$a"; prev="$a"; done',
        `cat "$ud/User/settings.json" >> "${record}"`,
        'exit "${FAKE_CODE_EXIT:-0}"',
        '',
      ].join('\n'),
    );
    chmodSync(fake, 0o755);
    const run = (exit: number) =>
      spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'scripts/host/electronTests.ts'), '--vscode-executable', fake], {
        cwd: REPO_ROOT,
        env: { ...process.env, DISPLAY: ':99', FAKE_CODE_EXIT: String(exit) },
        encoding: 'utf8',
        timeout: 60_000,
      });

    const ok = run(0);
    assert.equal(ok.status, 0, ok.stderr);
    const lines = readFileSync(record, 'utf8').split('\n');
    const workspace = lines[0];
    assert.match(workspace, /gan-electron-.*\/workspace$/, 'the workspace folder comes first, so VS Code opens it');
    assert.ok(lines.includes('workspace-is-dir'), 'the workspace exists while VS Code runs');
    assert.ok(!existsSync(workspace), 'and is removed afterwards');
    assert.ok(lines.includes(`--extensionTestsPath=${HOST_SUITE_BUNDLE}`));
    assert.ok(lines.includes(`--extensionDevelopmentPath=${REPO_ROOT}`));
    for (const flag of ['--disable-extensions', '--user-data-dir', '--extensions-dir']) assert.ok(lines.includes(flag), flag);
    assert.match(lines.join('\n'), /"workbench\.startupEditor": "none"/, "the profile has the host's quiet settings");
    assert.equal(lines.filter((l) => l === '--user-data-dir').length, 1, "test-electron adds no profile of its own over ours");

    const failed = run(3);
    assert.equal(failed.status, 1);
    assert.match(failed.stderr, /test:electron: the in-host suite failed/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
