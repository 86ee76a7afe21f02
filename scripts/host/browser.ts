/**
 * Driving the real VS Code workbench (served by scripts/host/server.ts) in
 * Debian's Chromium through playwright-core: shared by the host UI test and
 * the demo. Every wait is bounded and says what it waits for.
 */
import { chromium, type Browser, type FrameLocator, type Locator, type Page } from 'playwright-core';
import { existsSync } from 'node:fs';

export const CHROMIUM_PATH = process.env.GAN_CHROMIUM ?? '/usr/bin/chromium';

/** Flags measured to work as root on these machines (closed network, no GPU). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export type Log = (line: string) => void;

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH} — run: bash scripts/install-host.sh (installs Debian's chromium)`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
}

export async function newPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
  return context.newPage();
}

/** Wait for `what` with a bounded timeout; a failure names what it waited for. */
export async function waitFor<T>(log: Log, what: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  log(`waiting (≤${Math.round(timeoutMs / 1000)}s) for ${what}`);
  const t0 = Date.now();
  try {
    const v = await fn();
    log(`  ok after ${((Date.now() - t0) / 1000).toFixed(1)}s: ${what}`);
    return v;
  } catch (e) {
    const msg = e instanceof WaitAborted ? (e as Error).message : (e as Error).message.split('\n')[0];
    throw new Error(`${e instanceof WaitAborted ? 'gave up' : 'timed out or failed'} after ${((Date.now() - t0) / 1000).toFixed(1)}s waiting for ${what}: ${msg}`);
  }
}

/**
 * Thrown from a poll() probe to end the wait at once (the awaited thing can no
 * longer happen: the run failed, an error dialog is up). Any other error a
 * probe throws counts as "not yet" (frames reload, elements come and go).
 */
export class WaitAborted extends Error {}

/** Poll `probe` until it returns a truthy value or the time is up. */
export async function poll<T>(log: Log, what: string, timeoutMs: number, probe: () => Promise<T | undefined | null | false>, intervalMs = 250): Promise<T> {
  return waitFor(log, what, timeoutMs, async () => {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      try {
        const v = await probe();
        if (v) return v as T;
        last = v;
      } catch (e) {
        if (e instanceof WaitAborted) throw e;
        last = (e as Error).message;
      }
      if (Date.now() > deadline) throw new Error(`last probe: ${JSON.stringify(last)}`);
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  });
}

/**
 * poll() that also watches the workbench: an error dialog ("Command … resulted
 * in an error") or an error notification ends the wait at once, with its text.
 */
export async function pollPage<T>(page: Page, log: Log, what: string, timeoutMs: number, probe: () => Promise<T | undefined | null | false>, intervalMs = 250): Promise<T> {
  return poll(
    log,
    what,
    timeoutMs,
    async () => {
      const modal = await dialogs(page).catch(() => [] as string[]);
      const errs = await errorNotifications(page).catch(() => [] as string[]);
      if (modal.length || errs.length) throw new WaitAborted(`the workbench shows an error: ${[...modal, ...errs].join(' | ')}`);
      return probe();
    },
    intervalMs,
  );
}

export async function openWorkbench(page: Page, url: string, log: Log): Promise<void> {
  log(`opening ${url}`);
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
  await waitFor(log, 'the workbench (.monaco-workbench)', 60_000, () => page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 }));
  // The status bar fills in once the remote connection and extension host are up.
  await waitFor(log, 'the status bar', 30_000, () => page.locator('#workbench\\.parts\\.statusbar').waitFor({ state: 'visible', timeout: 30_000 }));
}

function quickInput(page: Page): Locator {
  return page.locator('.quick-input-widget');
}

/** Text of the focused (else first) row of the open quick pick. */
async function focusedRowLabel(page: Page): Promise<string> {
  const rows = page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
  const focused = page.locator('.quick-input-widget .quick-input-list .monaco-list-row.focused');
  const row = (await focused.count()) ? focused.first() : rows.first();
  if (!(await row.count())) return '';
  return ((await row.getAttribute('aria-label')) ?? (await row.innerText())).replace(/\s+/g, ' ').trim();
}

/**
 * Pick the row of the open quick pick whose label is `label`: type it as a
 * filter and wait until the focused row really is it (right after load
 * another row can be first), then Enter.
 */
export async function pickQuickItem(page: Page, label: string, log: Log, timeoutMs = 20_000): Promise<void> {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await waitFor(log, `the quick pick to offer "${label}"`, timeoutMs, async () => {
    await quickInput(page).waitFor({ state: 'visible', timeout: timeoutMs });
    await input.fill(label);
    const deadline = Date.now() + timeoutMs;
    let seen = '';
    for (;;) {
      seen = await focusedRowLabel(page);
      if (seen.startsWith(label) || seen.includes(label)) break;
      if (Date.now() > deadline) throw new Error(`focused row is "${seen}"`);
      await page.waitForTimeout(200);
    }
  });
  await page.keyboard.press('Enter');
}

/** F1, type the command's palette title ("GAN: Start Training"), Enter. */
export async function runCommand(page: Page, title: string, log: Log, timeoutMs = 30_000): Promise<void> {
  log(`command palette: ${title}`);
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await waitFor(log, `the command palette to list "${title}" first`, timeoutMs, async () => {
    const deadline = Date.now() + timeoutMs;
    let seen = '';
    for (;;) {
      if (!(await quickInput(page).isVisible())) {
        await page.locator('.monaco-workbench').click({ position: { x: 800, y: 5 }, trial: true }).catch(() => {});
        await page.keyboard.press('F1');
        await quickInput(page).waitFor({ state: 'visible', timeout: 5000 }).catch(() => {});
      }
      await input.fill(`>${title}`);
      await page.waitForTimeout(150);
      seen = await focusedRowLabel(page);
      if (seen.startsWith(title)) break;
      if (Date.now() > deadline) throw new Error(`first row is "${seen}"`);
      await page.waitForTimeout(300);
    }
  });
  await page.keyboard.press('Enter');
}

/** Accept an InputBox (e.g. the default experiment name) with Enter. */
export async function acceptInputBox(page: Page, log: Log, timeoutMs = 20_000): Promise<string> {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  const value = await waitFor(log, 'the input box', timeoutMs, async () => {
    await quickInput(page).waitFor({ state: 'visible', timeout: timeoutMs });
    await input.waitFor({ state: 'visible', timeout: timeoutMs });
    return input.inputValue();
  });
  log(`  input box value: "${value}"`);
  await page.keyboard.press('Enter');
  return value;
}

/** The dashboard webview's own document (two iframes deep). */
export function webviewFrame(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
}

/** Titles of the open editor tabs. */
export async function editorTabs(page: Page): Promise<string[]> {
  return page.locator('.tabs-container .tab').evaluateAll((els) => els.map((e) => (e.getAttribute('aria-label') ?? e.textContent ?? '').trim()));
}

/** Notification toasts currently shown (their messages). */
export async function notifications(page: Page): Promise<string[]> {
  return page.locator('.notification-toast .notification-list-item-message').evaluateAll((els) => els.map((e) => (e.textContent ?? '').trim()));
}

/**
 * Wait until the workbench has registered GAN Workbench's contributions: its
 * activity bar entry appears a few seconds after the status bar, once the
 * remote extension host has scanned the extensions (before that the command
 * palette does not know "GAN: …" commands).
 */
export async function waitForExtension(page: Page, log: Log, timeoutMs = 45_000): Promise<void> {
  await waitFor(log, 'GAN Workbench in the activity bar (extension registered)', timeoutMs, () =>
    page.locator('.activitybar .action-item a[aria-label^="GAN Workbench"]').first().waitFor({ state: 'attached', timeout: timeoutMs }),
  );
}

/** Error notification toasts on screen (their messages). */
export async function errorNotifications(page: Page): Promise<string[]> {
  return page
    .locator('.notification-toast .notification-list-item:has(.codicon-error) .notification-list-item-message')
    .evaluateAll((els) => els.map((e) => (e.textContent ?? '').trim()));
}

/** Text of modal dialogs on screen (e.g. "Command … resulted in an error"). */
export async function dialogs(page: Page): Promise<string[]> {
  return page.locator('.monaco-dialog-box').evaluateAll((els) => els.map((e) => (e.textContent ?? '').replace(/\s+/g, ' ').trim()));
}
