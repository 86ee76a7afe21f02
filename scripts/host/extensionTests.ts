/**
 * Runs the mocha suite of test/host/suite inside the real extension host:
 * opens the workbench with the URL payload VS Code's own browser integration
 * tests use (extensionDevelopmentPath + extensionTestsPath). The test
 * runner's log lines and exit code come back through the page functions
 * codeAutomationLog / codeAutomationExit, which the workbench calls when they
 * exist.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { newPage, type Log } from './browser';
import { REPO_ROOT, type Host } from './server';

export const HOST_SUITE_BUNDLE = join(REPO_ROOT, 'out', 'test', 'host', 'suite', 'index.js');

/** Workbench start-up lines that are not the test's output. */
const WORKBENCH_CHATTER =
  /^(Resolving connection token|Resolved connection token|Creating a socket|Updating additional builtin extensions cache|\[Service Worker\]|ChatSessionStore:|Creation of workbench contribution|\[lifecycle\] Long running operations during shutdown)/;

/** console.log-style formatting (mocha's reporters print with %s / %d). */
export function formatConsoleArgs(args: unknown[]): string {
  const str = (a: unknown) => (typeof a === 'string' ? a : JSON.stringify(a));
  if (typeof args[0] !== 'string') return args.map(str).join(' ');
  let i = 1;
  const head = args[0].replace(/%[sdifjoO%]/g, (m) => {
    if (m === '%%') return '%';
    if (i >= args.length) return m;
    const a = args[i++];
    return m === '%d' || m === '%i' ? String(Math.trunc(Number(a))) : m === '%f' ? String(Number(a)) : str(a);
  });
  return [head, ...args.slice(i).map(str)].join(' ');
}

export interface ExtensionTestsResult {
  code: number;
  /** What the extension host printed (mocha's spec reporter among it). */
  output: string[];
  seconds: number;
}

export async function runExtensionTests(opts: {
  host: Host;
  browser: Browser;
  /**
   * Open the test window in this browser context (e.g. the one the UI test
   * used): the workbench's scripts then come from its HTTP cache, which
   * saves several seconds of loading on a busy machine. Default: a new one.
   */
  context?: BrowserContext;
  workspace: string;
  log: Log;
  timeoutMs?: number;
  screenshotOnFailure?: string;
}): Promise<ExtensionTestsResult> {
  const { host, browser, workspace, log } = opts;
  if (!existsSync(HOST_SUITE_BUNDLE)) {
    throw new Error(`${HOST_SUITE_BUNDLE} is missing — run \`npm run build\` (esbuild bundles test/host/suite/index.ts)`);
  }
  const timeoutMs = opts.timeoutMs ?? 180_000;
  const page = opts.context ? await opts.context.newPage() : await newPage(browser);
  const output: string[] = [];
  const seen = new Set<string>();
  const add = (line: string) => {
    // The same line can arrive both as a console message and through the log hook.
    const key = line.trim();
    if (!key || seen.has(key)) return;
    seen.add(key);
    output.push(line);
    log(`  [ext-host] ${line}`);
  };
  let resolveExit!: (code: number) => void;
  const exited = new Promise<number>((r) => (resolveExit = r));
  await page.exposeFunction('codeAutomationLog', (level: string, args: unknown) => {
    const text = Array.isArray(args) ? formatConsoleArgs(args) : String(args);
    if (WORKBENCH_CHATTER.test(text)) return;
    for (const l of text.split('\n')) add(level === 'info' ? l : `${level}: ${l}`);
  });
  await page.exposeFunction('codeAutomationExit', (code: number) => resolveExit(Number(code)));
  const url = host.testUrl(workspace, REPO_ROOT, HOST_SUITE_BUNDLE);
  log(`running the in-host mocha suite: ${url}`);
  const t0 = Date.now();
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
  log(`waiting (≤${timeoutMs / 1000}s) for the extension host to exit (codeAutomationExit)`);
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([
    exited,
    new Promise<number>((_, rej) => {
      timer = setTimeout(() => rej(new Error(`in-host suite did not finish within ${timeoutMs / 1000}s`)), timeoutMs);
    }),
  ])
    .catch(async (e: Error) => {
      if (opts.screenshotOnFailure) await page.screenshot({ path: opts.screenshotOnFailure }).catch(() => {});
      throw new Error(`${e.message}; last output:\n${output.slice(-30).join('\n')}`);
    })
    .finally(() => clearTimeout(timer));
  const seconds = (Date.now() - t0) / 1000;
  log(`in-host suite exited with code ${code} after ${seconds.toFixed(1)}s`);
  // What the window showed when a test failed (a webview's own error page, say).
  if (code !== 0 && opts.screenshotOnFailure) {
    await page.screenshot({ path: opts.screenshotOnFailure }).then(
      () => log(`screenshot of the failed suite's window: ${opts.screenshotOnFailure}`),
      () => {},
    );
  }
  if (opts.context) await page.close().catch(() => {});
  else await page.context().close().catch(() => {});
  return { code, output, seconds };
}
