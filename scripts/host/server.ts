/**
 * A real VS Code host for tests and the demo: code-server (VS Code 1.100.3,
 * installed by scripts/install-host.sh into .tools/code-server) on a free
 * 127.0.0.1 port, with fresh user-data and extensions folders, and GAN
 * Workbench installed into it by a symlink to the repo root.
 *
 *   import { startHost } from '../../scripts/host/server';
 *   const host = await startHost({ log: console.log });
 *   host.folderUrl('/abs/workspace')   // open a folder in the workbench
 *   await host.stop();                 // kills the server's whole process group
 *
 * CLI (serves until Ctrl-C):
 *   npx tsx scripts/host/server.ts [--folder DIR] [--port N] [--keep]
 *
 * Why code-server: see shared/notes/vscode-host-offline.md (test-electron
 * cannot download VS Code on these machines).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const CODE_SERVER_VERSION = '4.100.3';
export const CODE_SERVER_DIR = join(REPO_ROOT, '.tools', 'code-server', 'node_modules', 'code-server');
export const CODE_SERVER_ENTRY = join(CODE_SERVER_DIR, 'out', 'node', 'entry.js');
const MARKER = join(REPO_ROOT, '.tools', 'code-server', '.installed');

/** Settings that keep modals, walkthroughs and notices off the workbench. */
export const HOST_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'workbench.enableExperiments': false,
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'chat.commandCenter.enabled': false,
  'git.enabled': false,
  'window.commandCenter': false,
};

export interface HostOptions {
  /** Port to bind on 127.0.0.1; default: a free one. */
  port?: number;
  /** Install GAN Workbench into the extensions folder (symlink). Default true. */
  installExtension?: boolean;
  /** Extra user settings merged over HOST_SETTINGS. */
  settings?: Record<string, unknown>;
  /** Keep the temp folder (user data, logs) after stop. Default false. */
  keepTemp?: boolean;
  /** Progress lines ("waiting for …"); default silent. */
  log?: (line: string) => void;
  /** How long to wait for /healthz. Default 60 s. */
  startTimeoutMs?: number;
  /**
   * Workspace trust on (default off): code-server runs without
   * --disable-workspace-trust and with trust enabled but never prompted, so
   * a folder opened in the fresh user data is untrusted (restricted mode).
   */
  workspaceTrust?: boolean;
}

/** Settings of a host with workspace trust on: folders open untrusted, without a prompt. */
export const TRUST_SETTINGS: Record<string, unknown> = {
  'security.workspace.trust.enabled': true,
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.banner': 'never',
  'security.workspace.trust.untrustedFiles': 'open',
  'security.workspace.trust.emptyWindow': false,
};

export interface Host {
  readonly port: number;
  /** http://127.0.0.1:PORT */
  readonly baseUrl: string;
  readonly pid: number;
  /** Temp folder holding user-data/, extensions/, server.log. */
  readonly tempDir: string;
  readonly userDataDir: string;
  readonly extensionsDir: string;
  readonly logFile: string;
  /** URL that opens `folder` (absolute path) in the workbench. */
  folderUrl(folder: string): string;
  /**
   * URL that opens `folder` and runs extension tests inside the extension host
   * (the payload VS Code's own browser integration tests use): the extension
   * under development is `extensionPath`, the tests are the CommonJS module at
   * `testsPath` exporting run(): Promise<void>.
   */
  testUrl(folder: string, extensionPath: string, testsPath: string): string;
  /** Last lines the server printed. */
  recentOutput(): string;
  /** SIGTERM then SIGKILL to the whole process group; removes the temp folder. */
  stop(): Promise<void>;
}

export function readExtensionId(): { id: string; folderName: string; version: string } {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string; publisher: string; version: string };
  const id = `${pkg.publisher}.${pkg.name}`;
  return { id, folderName: `${id}-${pkg.version}`, version: pkg.version };
}

export function hostInstalled(): boolean {
  return existsSync(CODE_SERVER_ENTRY) && existsSync(MARKER) && readFileSync(MARKER, 'utf8').trim() === `code-server@${CODE_SERVER_VERSION}`;
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

/** A path for a URL query: escaped, but with readable slashes. */
const encodePath = (p: string) => encodeURIComponent(p).replace(/%2F/g, '/');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function startHost(opts: HostOptions = {}): Promise<Host> {
  const log = opts.log ?? (() => {});
  if (!hostInstalled()) {
    throw new Error(
      `code-server@${CODE_SERVER_VERSION} is not installed in .tools/code-server — run: bash scripts/install-host.sh (as root; needs the npm registry and apt)`,
    );
  }
  const tempDir = mkdtempSync(join(tmpdir(), 'gan-host-'));
  const userDataDir = join(tempDir, 'user-data');
  const extensionsDir = join(tempDir, 'extensions');
  const logFile = join(tempDir, 'server.log');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify({ ...HOST_SETTINGS, ...(opts.workspaceTrust ? TRUST_SETTINGS : {}), ...opts.settings }, null, 2));
  if (opts.installExtension !== false) {
    const { folderName } = readExtensionId();
    symlinkSync(REPO_ROOT, join(extensionsDir, folderName), 'dir');
  }

  const port = opts.port ?? (await freePort());
  const baseUrl = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Not a child of some other VS Code: drop its IPC hooks and the like.
  for (const k of Object.keys(env)) if (k.startsWith('VSCODE_') || k === 'ELECTRON_RUN_AS_NODE') delete env[k];
  // code-server keeps logs and an IPC socket under XDG data/runtime dirs:
  // per instance, so parallel hosts don't meet and $HOME stays clean.
  env.XDG_DATA_HOME = join(tempDir, 'xdg-data');
  env.XDG_RUNTIME_DIR = join(tempDir, 'xdg-runtime');
  mkdirSync(env.XDG_RUNTIME_DIR, { recursive: true, mode: 0o700 });

  const args = [
    CODE_SERVER_ENTRY,
    '--config', '/dev/null',
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    ...(opts.workspaceTrust ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override',
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
  ];
  log(`starting code-server ${CODE_SERVER_VERSION} on ${baseUrl} (temp ${tempDir})`);
  const t0 = Date.now();
  // detached: its own process group, so stop() reaches the extension hosts,
  // file watchers and pty hosts it forks (they outlive a plain SIGTERM).
  const child: ChildProcess = spawn(process.execPath, args, { cwd: tempDir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid!;
  const out = createWriteStream(logFile);
  const tail: string[] = [];
  const onData = (b: Buffer) => {
    out.write(b);
    for (const line of b.toString().split('\n')) if (line.trim()) tail.push(line);
    if (tail.length > 200) tail.splice(0, tail.length - 200);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  let exited: number | string | null = null;
  child.on('exit', (code, sig) => (exited = code ?? sig ?? 'unknown'));

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (groupAlive(pid)) {
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        /* gone */
      }
      const deadline = Date.now() + 4000;
      while (groupAlive(pid) && Date.now() < deadline) await sleep(100);
      if (groupAlive(pid)) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          /* gone */
        }
        const d2 = Date.now() + 3000;
        while (groupAlive(pid) && Date.now() < d2) await sleep(100);
      }
    }
    out.end();
    if (!opts.keepTemp) rmSync(tempDir, { recursive: true, force: true });
  };

  const recentOutput = () => tail.slice(-40).join('\n');
  const timeout = opts.startTimeoutMs ?? 60_000;
  log(`waiting for ${baseUrl}/healthz (up to ${timeout / 1000}s)`);
  for (;;) {
    if (exited !== null) {
      const o = recentOutput();
      await stop();
      throw new Error(`code-server exited (${exited}) before it was healthy:\n${o}`);
    }
    if (Date.now() - t0 > timeout) {
      const o = recentOutput();
      await stop();
      throw new Error(`code-server not healthy on ${baseUrl} after ${timeout / 1000}s:\n${o}`);
    }
    try {
      const r = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    await sleep(200);
  }
  log(`code-server healthy after ${((Date.now() - t0) / 1000).toFixed(1)}s`);

  const remote = (p: string) => `vscode-remote://127.0.0.1:${port}${p}`;
  return {
    port,
    baseUrl,
    pid,
    tempDir,
    userDataDir,
    extensionsDir,
    logFile,
    folderUrl: (folder) => `${baseUrl}/?folder=${encodePath(resolve(folder))}`,
    testUrl: (folder, extensionPath, testsPath) => {
      const payload = JSON.stringify([
        ['extensionDevelopmentPath', remote(resolve(extensionPath))],
        ['extensionTestsPath', remote(resolve(testsPath))],
      ]);
      return `${baseUrl}/?folder=${encodePath(resolve(folder))}&payload=${encodeURIComponent(payload)}`;
    },
    recentOutput,
    stop,
  };
}

// ---- CLI -------------------------------------------------------------------
function parseArgs(argv: string[]): { folder?: string; port?: number; keep: boolean } {
  const r: { folder?: string; port?: number; keep: boolean } = { keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--folder') r.folder = argv[++i];
    else if (a === '--port') r.port = Number(argv[++i]);
    else if (a === '--keep') r.keep = true;
    else if (a === '-h' || a === '--help') {
      console.log('usage: npx tsx scripts/host/server.ts [--folder DIR] [--port N] [--keep]');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  return r;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const host = await startHost({ port: args.port, keepTemp: args.keep, log: (l) => console.log(`[host] ${l}`) });
  let stopping = false;
  const shutdown = async (sig: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`[host] ${sig}: stopping code-server (process group ${host.pid})`);
    await host.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  console.log(`[host] ${readExtensionId().id} installed from ${REPO_ROOT}`);
  console.log(`[host] open: ${args.folder ? host.folderUrl(args.folder) : host.baseUrl}`);
  console.log(`[host] log: ${host.logFile}; Ctrl-C stops`);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(`[host] ${(e as Error).message}`);
    process.exit(1);
  });
}
