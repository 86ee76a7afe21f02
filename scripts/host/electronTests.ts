/**
 * The in-host mocha suite (test/host/suite) in a desktop VS Code through
 * @vscode/test-electron, for machines that can download VS Code (or have
 * one): the same bundle `npm test` runs inside code-server.
 *
 *   npm run build && npm run test:electron
 *   npm run test:electron -- --vscode-version 1.100.3      (default: the engines floor)
 *   npm run test:electron -- --vscode-executable /path/to/code
 *   xvfb-run -a npm run test:electron                      (Linux without a display)
 *
 * Only the trusted-workspace half of the suite runs here: test-electron
 * always passes --disable-workspace-trust, so the untrusted half stays with
 * the code-server host (test/host/ui.test.ts), which can turn trust on.
 * Machines that reach only the npm registry (this project's CI) cannot
 * download VS Code; the error then says so and names the alternatives.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { HOST_SUITE_BUNDLE } from './extensionTests';
import { HOST_SETTINGS, REPO_ROOT } from './server';

/** The VS Code the code-server host embeds, and package.json's engines floor. */
export const DEFAULT_VSCODE_VERSION = '1.100.3';

export interface ElectronPlan {
  /** Download this version (ignored when `executable` is set). */
  version: string;
  executable?: string;
  keep: boolean;
}

export function parseElectronArgs(argv: string[]): ElectronPlan {
  const { values } = parseArgs({
    args: argv,
    options: {
      'vscode-version': { type: 'string' },
      'vscode-executable': { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const version = values['vscode-version'] ?? DEFAULT_VSCODE_VERSION;
  if (!/^(\d+\.\d+\.\d+|stable|insiders)$/.test(version)) {
    throw new Error(`--vscode-version: '${version}' is not a VS Code version; use one like ${DEFAULT_VSCODE_VERSION}, or 'stable'`);
  }
  return { version, executable: values['vscode-executable'], keep: values.keep };
}

/** Arguments for the VS Code window: the workspace first (test-electron opens it), then a profile of our own. */
export function launchArgs(workspace: string, userDataDir: string, extensionsDir: string): string[] {
  return [workspace, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--disable-extensions', '--disable-telemetry'];
}

const NETWORK_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENETUNREACH', 'EHOSTUNREACH', 'CERT_HAS_EXPIRED']);

function errorCodes(e: unknown): string[] {
  const codes: string[] = [];
  for (let cur: unknown = e, depth = 0; cur && typeof cur === 'object' && depth < 5; depth++) {
    const { code, message, cause } = cur as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof code === 'string') codes.push(code);
    if (typeof message === 'string') codes.push(...(message.match(/\b(E[A-Z_]{3,}|CERT_[A-Z_]+)\b/g) ?? []));
    cur = cause;
  }
  return codes;
}

/** One paragraph saying what went wrong and what to do instead. */
export function explainElectronFailure(e: unknown, plan: ElectronPlan): string {
  const message = e instanceof Error ? e.message : String(e);
  const network = errorCodes(e).find((c) => NETWORK_CODES.has(c));
  if (!plan.executable && network) {
    return (
      `test:electron: could not download VS Code ${plan.version} (${network}: ${message}). ` +
      'This machine cannot reach update.code.visualstudio.com. `npm test` runs the same suite in code-server from the npm registry; ' +
      'or pass --vscode-executable with a VS Code already installed here.'
    );
  }
  const failedRun = e instanceof Error && e.name === 'TestRunFailedError';
  const exitCode = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  if (failedRun || typeof exitCode === 'number') {
    return `test:electron: the in-host suite failed (${message}); its mocha report is above.`;
  }
  return `test:electron: ${message}`;
}

async function main(): Promise<number> {
  let plan: ElectronPlan;
  try {
    plan = parseElectronArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  if (!existsSync(HOST_SUITE_BUNDLE)) {
    process.stderr.write(`test:electron: ${HOST_SUITE_BUNDLE} is missing: run \`npm run build\` first\n`);
    return 2;
  }
  // Loaded here, not at the top, so the pure helpers above import without it.
  const { downloadAndUnzipVSCode, runTests } = await import('@vscode/test-electron');
  let executable = plan.executable;
  try {
    // The download first: on a machine that cannot reach Microsoft's servers that is the error to report.
    executable ??= await downloadAndUnzipVSCode(plan.version);
  } catch (e) {
    process.stderr.write(`${explainElectronFailure(e, plan)}\n`);
    return 1;
  }
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    process.stderr.write('test:electron: no display (DISPLAY is unset): desktop VS Code needs one; run `xvfb-run -a npm run test:electron`\n');
    return 2;
  }
  // A fresh workspace and profile each run, as the code-server runner makes them.
  const temp = mkdtempSync(join(tmpdir(), 'gan-electron-'));
  const workspace = join(temp, 'workspace');
  const userDataDir = join(temp, 'user-data');
  mkdirSync(workspace);
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify(HOST_SETTINGS, null, 2));
  try {
    return await runTests({
      vscodeExecutablePath: executable,
      extensionDevelopmentPath: REPO_ROOT,
      extensionTestsPath: HOST_SUITE_BUNDLE,
      launchArgs: launchArgs(workspace, userDataDir, join(temp, 'extensions')),
    });
  } catch (e) {
    process.stderr.write(`${explainElectronFailure(e, plan)}\n`);
    return 1;
  } finally {
    if (!plan.keep) rmSync(temp, { recursive: true, force: true });
    else process.stderr.write(`test:electron: kept ${temp}\n`);
  }
}

if (require.main === module) {
  void main().then((code) => process.exit(code));
}
