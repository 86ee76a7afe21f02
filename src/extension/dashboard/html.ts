/**
 * The dashboard webview's HTML shell and its Content-Security-Policy.
 * Nothing inline runs: the one script is the bundled dashboard, allowed by a
 * fresh nonce; styles, images and fonts only from the extension's own
 * webview resources (cspSource); no remote content. A unit test reads the
 * policy back and fails if it loosens.
 */
import { randomBytes } from 'node:crypto';

/** A fresh nonce (128 random bits, base64). */
export function makeNonce(): string {
  return randomBytes(16).toString('base64');
}

/**
 * One source of webview.cspSource: VS Code gives `'self'` and/or host
 * sources such as `https://*.vscode-cdn.net` or `vscode-webview://<id>`.
 * Anything else (a bare scheme, `*`, a keyword like 'unsafe-inline', a `;`
 * starting a new directive) would loosen the policy and is refused.
 */
function isSafeSource(token: string): boolean {
  if (token === "'self'") return true;
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/\s;,'"]+)(\/[^\s;,'"*]*)?$/i.exec(token);
  // Host: a name, optionally under one leading wildcard label (*.example.net).
  return m !== null && /^(\*\.)?[a-z0-9+-]+(\.[a-z0-9+-]+)*(:\d+)?$/i.test(m[1]);
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  if (!/^[A-Za-z0-9+/_-]+=*$/.test(nonce)) throw new Error('nonce must be base64');
  const sources = cspSource.trim().split(/ +/);
  if (!sources.length || !sources.every(isSafeSource)) throw new Error(`unexpected webview cspSource: ${cspSource}`);
  cspSource = sources.join(' ');
  return [
    `default-src 'none'`,
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
  ].join('; ') + ';';
}

/**
 * The webview options of a dashboard: scripts on (the bundle, by nonce), no
 * command links, and `localResourceRoots` limited to the extension's
 * bundled webview and media folders and the run's own folder — not the
 * extension root, not the workspace. Generic over the URI type so it is
 * unit-tested without `vscode`.
 */
export function dashboardWebviewOptions<U>(
  extensionUri: U,
  runDir: string,
  uri: { join: (base: U, ...segments: string[]) => U; file: (fsPath: string) => U },
): { enableScripts: true; enableCommandUris: false; localResourceRoots: U[] } {
  return {
    enableScripts: true,
    enableCommandUris: false,
    localResourceRoots: [uri.join(extensionUri, 'dist', 'webview'), uri.join(extensionUri, 'media'), uri.file(runDir)],
  };
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

export interface DashboardHtmlInput {
  /** webview.cspSource */
  cspSource: string;
  /** webview.asWebviewUri(dist/webview/dashboard.js).toString() */
  scriptUri: string;
  /** webview.asWebviewUri(dist/webview/dashboard.css).toString() */
  styleUri: string;
  nonce: string;
  title: string;
}

export function dashboardHtml(i: DashboardHtmlInput): string {
  const csp = contentSecurityPolicy(i.cspSource, i.nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(i.title)}</title>
<link rel="stylesheet" href="${escapeHtml(i.styleUri)}">
</head>
<body>
<div id="app"></div>
<script nonce="${escapeHtml(i.nonce)}" src="${escapeHtml(i.scriptUri)}"></script>
</body>
</html>
`;
}

/**
 * A page without any script or resource (policy `default-src 'none'`), for
 * when the dashboard cannot load (an unbuilt checkout, an unexpected host):
 * says what is wrong instead of showing a blank panel.
 */
export function messageHtml(message: string): string {
  const csp = "default-src 'none';";
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<title>GAN Workbench</title>
</head>
<body>
<div id="app"><p>${escapeHtml(message)}</p></div>
</body>
</html>
`;
}
