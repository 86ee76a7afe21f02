/**
 * package.json's contributions and the extension's code agree: every
 * command is both contributed and registered, menus name real commands and
 * tree item kinds, restored dashboards activate the extension, and the
 * untrusted-workspace mode refuses what runs workspace code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { untrustedRefusal } from '../../src/extension/trustPolicy';
import { REPO } from './extension-helpers';

const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
const src = (f: string) => fs.readFileSync(path.join(REPO, 'src', 'extension', f), 'utf8');

test('every contributed command is registered by activate, and no other', () => {
  const contributed = (pkg.contributes.commands as { command: string }[]).map((c) => c.command).sort();
  const registered = [...src('extension.ts').matchAll(/registerCommand\('([^']+)'/g)].map((m) => m[1]).sort();
  assert.deepEqual(registered, contributed);
  for (const c of ['ganWorkbench.newExperiment', 'ganWorkbench.startTraining', 'ganWorkbench.resumeRun', 'ganWorkbench.stopTraining', 'ganWorkbench.openDashboard', 'ganWorkbench.openRun', 'ganWorkbench.refreshRuns']) {
    assert.ok(contributed.includes(c), c);
  }
});

test('menus name contributed commands; tree item menus match the tree item kinds', () => {
  const commands = new Set((pkg.contributes.commands as { command: string }[]).map((c) => c.command));
  for (const [where, items] of Object.entries(pkg.contributes.menus as Record<string, { command: string; when?: string }[]>)) {
    for (const i of items) assert.ok(commands.has(i.command), `${where}: ${i.command}`);
  }
  const tree = src('runs/runsTree.ts');
  const kinds = [...tree.matchAll(/'(ganRun(?:\.live|\.resumable)?)'/g)].map((m) => m[1]);
  assert.deepEqual([...new Set(kinds)].sort(), ['ganRun', 'ganRun.live', 'ganRun.resumable']);
  const itemMenus = pkg.contributes.menus['view/item/context'] as { command: string; when: string }[];
  assert.ok(itemMenus.some((m) => m.command === 'ganWorkbench.stopTraining' && /viewItem == ganRun\.live/.test(m.when)), 'Stop only on live runs');
  assert.ok(itemMenus.some((m) => m.command === 'ganWorkbench.openDashboard' && /viewItem =~ \/\^ganRun\//.test(m.when)), 'Open Dashboard on every run');
  const resumeMenus = itemMenus.filter((m) => m.command === 'ganWorkbench.resumeRun');
  assert.ok(resumeMenus.length > 0 && resumeMenus.every((m) => /viewItem == ganRun\.resumable$/.test(m.when)), 'Resume only on resumable runs');
  assert.ok(tree.includes("RUNS_VIEW_ID = 'ganWorkbench.runs'"));
  assert.ok((pkg.contributes.views.ganWorkbench as { id: string }[]).some((v) => v.id === 'ganWorkbench.runs'));
});

test('a restored dashboard activates the extension (its serializer is registered)', () => {
  const m = /DASHBOARD_VIEW_TYPE = '([^']+)'/.exec(src('dashboard/dashboardPanel.ts'));
  assert.ok(m);
  assert.ok(pkg.activationEvents.includes(`onWebviewPanel:${m[1]}`));
  assert.match(src('extension.ts'), /registerWebviewPanelSerializer\(DASHBOARD_VIEW_TYPE/);
});

test('untrusted workspaces: limited, nodePath restricted, and the code-running commands refuse with the reason', () => {
  const u = pkg.capabilities.untrustedWorkspaces;
  assert.equal(u.supported, 'limited');
  assert.deepEqual(u.restrictedConfigurations, ['ganWorkbench.nodePath']);
  assert.match(u.description, /never compiles or runs model code/);
  assert.equal(untrustedRefusal('startTraining', true), undefined);
  assert.equal(untrustedRefusal('newExperiment', true), undefined);
  assert.match(untrustedRefusal('startTraining', false)!, /untrusted workspace: it would compile and run the model code/);
  assert.match(untrustedRefusal('newExperiment', false)!, /untrusted workspace/);
  assert.equal(untrustedRefusal('resumeRun', true), undefined);
  assert.match(untrustedRefusal('resumeRun', false)!, /untrusted workspace: it would compile and run/);
  // Both commands check trust before doing anything else.
  for (const [file, fn, action] of [
    ['scaffold/newExperiment.ts', 'export async function newExperiment', 'newExperiment'],
    ['runs/startTraining.ts', 'export async function startTraining', 'startTraining'],
    ['runs/startTraining.ts', 'export async function resumeRun', 'resumeRun'],
  ]) {
    const text = src(file);
    const body = text.slice(text.indexOf(fn));
    const firstStatement = body.slice(body.indexOf('{') + 1).trim().split('\n')[0];
    assert.equal(firstStatement, `if (!requireTrust('${action}')) return undefined;`, file);
  }
  // Viewing does not ask for trust.
  for (const f of ['runs/runCommands.ts', 'dashboard/dashboardPanel.ts', 'runs/runManager.ts']) assert.doesNotMatch(src(f), /requireTrust|isTrusted/, f);
});
