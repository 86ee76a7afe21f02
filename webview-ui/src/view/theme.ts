/**
 * Colours and fonts of the current VS Code theme, read from its CSS variables
 * (chart.js and canvas drawing need concrete values). The fallbacks are VS
 * Code's Dark Modern values, for a page opened outside VS Code.
 */
export interface Theme {
  readonly foreground: string;
  readonly muted: string;
  readonly border: string;
  readonly background: string;
  readonly fontFamily: string;
  readonly fontSize: number;
  /** Line colours in drawing order: D-ish first (blue), G-ish second (orange), … */
  readonly palette: readonly string[];
  readonly realPoint: string;
  readonly fakePoint: string;
  /** Fill of a shaded step range (a finding's evidence) behind the lines. */
  readonly highlight: string;
}

/**
 * The line colours, in slot order: VS Code's chart colours and two terminal
 * colours, so that every chart's known metrics (up to 7, the gradients and
 * image-quality charts) get a colour of their own. Yellow comes last: in the
 * light themes it is hard to tell from orange, the G side's colour.
 */
type ThemeColour = readonly [cssVar: string, fallback: string];
const RED: ThemeColour = ['--vscode-charts-red', '#f14c4c'];
export const PALETTE_VARS: readonly ThemeColour[] = [
  ['--vscode-charts-blue', '#3794ff'],
  ['--vscode-charts-orange', '#d18616'],
  ['--vscode-charts-green', '#89d185'],
  ['--vscode-charts-purple', '#b180d7'],
  RED,
  ['--vscode-terminal-ansiCyan', '#11a8cd'],
  ['--vscode-terminal-ansiMagenta', '#bc3fbc'],
  ['--vscode-charts-yellow', '#cca700'],
];

export function readTheme(el: Element = document.body): Theme {
  const cs = getComputedStyle(el);
  const v = (name: string, fallback: string) => cs.getPropertyValue(name).trim() || fallback;
  const palette = PALETTE_VARS.map(([name, fallback]) => v(name, fallback));
  const size = parseFloat(v('--vscode-font-size', '13'));
  return {
    foreground: v('--vscode-foreground', '#cccccc'),
    muted: v('--vscode-descriptionForeground', '#9d9d9d'),
    border: v('--vscode-panel-border', '#2b2b2b'),
    background: v('--vscode-editor-background', '#1f1f1f'),
    fontFamily: v('--vscode-font-family', 'system-ui, sans-serif'),
    fontSize: Number.isFinite(size) ? size : 13,
    palette,
    realPoint: v('--gw-real-point', '#ffffff'),
    fakePoint: v('--gw-fake-point', v(...RED)),
    highlight: v('--vscode-editor-findMatchHighlightBackground', 'rgba(234, 92, 0, 0.33)'),
  };
}

/** Re-read the theme when VS Code switches it (it rewrites body classes and html styles). */
export function onThemeChange(callback: () => void): void {
  const observer = new MutationObserver(() => callback());
  observer.observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-id'] });
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
}
