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

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  if (!/^[A-Za-z0-9+/_-]+=*$/.test(nonce)) throw new Error('nonce must be base64');
  if (/[;'"\s]/.test(cspSource.replace(/ /g, ''))) throw new Error(`unexpected webview cspSource: ${cspSource}`);
  return [
    `default-src 'none'`,
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
  ].join('; ') + ';';
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
 * A page without any script, for when the dashboard bundle is missing (an
 * unbuilt checkout): says what to do instead of showing a blank panel.
 */
export function missingBundleHtml(cspSource: string, nonce: string, message: string): string {
  const csp = contentSecurityPolicy(cspSource, nonce);
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
