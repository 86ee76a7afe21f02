import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { contentSecurityPolicy, dashboardHtml, dashboardWebviewOptions, makeNonce, messageHtml } from '../../src/extension/dashboard/html';

// What VS Code 1.100 (code-server) really gives as webview.cspSource.
const CSP_SOURCE = "'self' https://*.vscode-cdn.net";
const CSP_SOURCES = ["'self'", 'https://*.vscode-cdn.net'];
const RESOURCE = 'https://file+.vscode-resource.vscode-cdn.net';

function build(nonce = makeNonce()) {
  return {
    nonce,
    html: dashboardHtml({
      cspSource: CSP_SOURCE,
      nonce,
      scriptUri: `${RESOURCE}/ext/dist/webview/dashboard.js`,
      styleUri: `${RESOURCE}/ext/dist/webview/dashboard.css`,
      title: 'GAN: run-1',
    }),
  };
}

const unescape = (s: string) => s.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** The policy as the browser reads it from the page: directive → sources. */
function policyOf(html: string): Map<string, string[]> {
  const metas = [...html.matchAll(/<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"\s*>/gi)];
  assert.equal(metas.length, 1, 'exactly one CSP meta tag');
  const policy = new Map<string, string[]>();
  for (const part of unescape(metas[0][1]).split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (!name) continue;
    assert.ok(!policy.has(name), `directive ${name} appears once`);
    policy.set(name, sources);
  }
  return policy;
}

test('the dashboard CSP is strict, and fails this test if it loosens', () => {
  const { html, nonce } = build();
  const policy = policyOf(html);
  assert.deepEqual([...policy.keys()].sort(), ['default-src', 'font-src', 'img-src', 'script-src', 'style-src']);
  assert.deepEqual(policy.get('default-src'), ["'none'"]);
  assert.deepEqual(policy.get('script-src'), [`'nonce-${nonce}'`], 'scripts only by nonce');
  assert.deepEqual(policy.get('style-src'), CSP_SOURCES);
  assert.deepEqual(policy.get('img-src'), [...CSP_SOURCES, 'data:']);
  assert.deepEqual(policy.get('font-src'), CSP_SOURCES);
  const all = [...policy.values()].flat();
  for (const s of all) {
    assert.doesNotMatch(s, /unsafe-|strict-dynamic|wasm-unsafe|^\*$|^https?:$|^http:\/\//i, `no loosening source: ${s}`);
  }
  assert.ok(!policy.has('connect-src') && !policy.has('frame-src') && !policy.has('worker-src'), 'no network, frames or workers');
});

test('the only script is the bundle, carrying the nonce; no inline script or handler', () => {
  const { html, nonce } = build();
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
  assert.equal(scripts.length, 1);
  assert.match(scripts[0][1], new RegExp(`nonce="${nonce.replace(/[+/=]/g, (c) => `\\${c}`)}"`));
  assert.match(scripts[0][1], /src="[^"]+\/dist\/webview\/dashboard\.js"/);
  assert.equal(scripts[0][2].trim(), '', 'no inline code');
  assert.doesNotMatch(html, /\son[a-z]+\s*=/i, 'no inline event handlers');
  assert.doesNotMatch(html, /<style\b|style="/i, 'no inline styles');
  assert.match(html, /<link rel="stylesheet" href="[^"]+\/dist\/webview\/dashboard\.css">/);
  assert.match(html, /<div id="app"><\/div>/);
});

test('a fresh nonce per load: 128 random bits, never repeated', () => {
  const nonces = new Set(Array.from({ length: 200 }, () => makeNonce()));
  assert.equal(nonces.size, 200);
  for (const n of nonces) assert.equal(Buffer.from(n, 'base64').length, 16);
  const a = build();
  const b = build();
  assert.notEqual(a.nonce, b.nonce);
  assert.notEqual(policyOf(a.html).get('script-src')![0], policyOf(b.html).get('script-src')![0]);
});

test('hostile values cannot break out of the policy or the page', () => {
  assert.throws(() => contentSecurityPolicy(CSP_SOURCE, "abc' 'unsafe-inline"));
  for (const bad of [
    "x; script-src 'unsafe-eval'",
    "'self' 'unsafe-inline'",
    "'self' *",
    'https:',
    'https://*',
    'https://*/',
    "https://a.b 'unsafe-eval'",
    'https://a.b,https://c.d',
    'https://a.b\nscript-src *',
    '',
  ]) {
    assert.throws(() => contentSecurityPolicy(bad, makeNonce()), /unexpected webview cspSource/, JSON.stringify(bad));
  }
  for (const good of ["'self' https://*.vscode-cdn.net", 'vscode-webview://1234abcd', 'https://file+.vscode-resource.vscode-cdn.net']) {
    assert.doesNotThrow(() => contentSecurityPolicy(good, makeNonce()), good);
  }
  const html = dashboardHtml({ cspSource: CSP_SOURCE, nonce: makeNonce(), scriptUri: '"><script>alert(1)</script>', styleUri: 'x', title: '</title><script>x</script>' });
  assert.equal([...html.matchAll(/<script\b/gi)].length, 1);
});

test('the page shown when the dashboard cannot load has no script and denies everything', () => {
  const html = messageHtml('dist/webview/dashboard.js is missing <b>');
  assert.doesNotMatch(html, /<script|<link|<img/i);
  assert.deepEqual([...policyOf(html).entries()], [['default-src', ["'none'"]]]);
  assert.match(html, /is missing &lt;b&gt;/);
});

test('localResourceRoots: only the extension\'s dist/webview and media folders and the run folder', () => {
  const ext = '/ext/gan-workbench';
  const run = '/work/project/.gan/runs/run-1';
  const uri = { join: (base: string, ...segments: string[]) => path.posix.join(base, ...segments), file: (p: string) => `file://${p}` };
  const o = dashboardWebviewOptions(ext, run, uri);
  assert.deepEqual(o.localResourceRoots, ['/ext/gan-workbench/dist/webview', '/ext/gan-workbench/media', 'file:///work/project/.gan/runs/run-1']);
  assert.equal(o.enableScripts, true);
  assert.equal(o.enableCommandUris, false, 'no command: links');
  assert.deepEqual(Object.keys(o).sort(), ['enableCommandUris', 'enableScripts', 'localResourceRoots'], 'no other option loosens it');
  // Not the extension root (node_modules, sources), not the workspace or .gan/runs.
  for (const r of o.localResourceRoots) assert.ok(r !== ext && r !== 'file:///work/project' && !r.endsWith('/.gan/runs'), r);
  // The panel uses these options, and creates its webview with no roots at all before they are set.
  const panelSource = fs.readFileSync(path.join(__dirname, '..', '..', 'src', 'extension', 'dashboard', 'dashboardPanel.ts'), 'utf8');
  assert.match(panelSource, /panel\.webview\.options = dashboardWebviewOptions\(context\.extensionUri, dir,/);
  assert.equal([...panelSource.matchAll(/localResourceRoots:/g)].length, 1);
  assert.match(panelSource, /localResourceRoots: \[\],/);
  assert.match(panelSource, /retainContextWhenHidden: false/);
});
