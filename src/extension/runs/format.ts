/** How runs read in the tree and the status bar (no `vscode` import). */
import type { RunSummary } from '../../protocol/messages';
import type { RunState, RunStatus } from '../../protocol/run';
import { count } from '../../protocol/numbers';

/** Codicon id (ThemeIcon) per state. */
export const STATE_ICONS: Readonly<Record<RunState, string>> = {
  starting: 'sync~spin',
  running: 'sync~spin',
  paused: 'debug-pause',
  completed: 'pass',
  stopped: 'circle-slash',
  failed: 'error',
  diverged: 'error',
  killed: 'warning',
};

/** Theme colour id per state, where one helps. */
export const STATE_COLORS: Readonly<Partial<Record<RunState, string>>> = {
  completed: 'testing.iconPassed',
  failed: 'errorForeground',
  diverged: 'errorForeground',
  killed: 'list.warningForeground',
};

export function formatRate(stepsPerSec: number | undefined): string | undefined {
  if (stepsPerSec === undefined || !Number.isFinite(stepsPerSec)) return undefined;
  return stepsPerSec >= 100 ? stepsPerSec.toFixed(0) : stepsPerSec >= 10 ? stepsPerSec.toFixed(1) : stepsPerSec.toFixed(2);
}

/** `state · step/total` */
export function treeDescription(status: RunStatus): string {
  return `${status.state} · ${count(status.step)}/${count(status.totalSteps)}`;
}

export function treeTooltip(s: RunSummary, dir: string, warnings: readonly string[] = []): string {
  const st = s.status;
  const lines = [
    `${s.id}`,
    `Variant: ${s.variant}`,
    `Dataset: ${s.dataset}`,
    `State: ${st.state} at step ${count(st.step)} of ${count(st.totalSteps)}`,
    `Backend: ${st.backend ? `${st.backend.name} (${st.backend.reason})` : 'not reported yet'}`,
  ];
  if (st.stepsPerSec !== undefined) lines.push(`Speed: ${formatRate(st.stepsPerSec)} steps/s`);
  lines.push(`Started: ${st.startedAt}`);
  if (st.error) lines.push(`Error: ${st.error}`);
  for (const w of warnings.slice(0, 5)) lines.push(`Warning: ${w}`);
  lines.push(`Folder: ${dir}`);
  return lines.join('\n');
}

/** `$(pulse) <name> step/total · x steps/s · backend` */
export function statusBarText(s: RunSummary): string {
  const st = s.status;
  const parts = [`$(pulse) ${s.name} ${count(st.step)}/${count(st.totalSteps)}`];
  const rate = formatRate(st.stepsPerSec);
  if (rate !== undefined) parts.push(`${rate} steps/s`);
  if (st.backend) parts.push(st.backend.name);
  if (st.state === 'paused') parts.push('paused');
  return parts.join(' · ');
}
