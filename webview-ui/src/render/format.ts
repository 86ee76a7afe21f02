/** Number labels for axes, and how a count reads at a glance. Pure. */

/** A tick value, short: 0, 0.3, -2, 1.5e-4, 2.0e+5. */
export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(1);
  return String(Number(v.toPrecision(4)));
}

/** A step on an x axis, short enough not to need rotating: 950, 9999, 12k, 1.5M. */
export function formatStep(value: number): string {
  const a = Math.abs(value);
  if (a >= 1e6) return `${Number((value / 1e6).toPrecision(3))}M`;
  if (a >= 1e4) return `${Number((value / 1e3).toPrecision(3))}k`;
  return String(value);
}

/**
 * How a "modes covered" count reads at a glance: every mode ('all', drawn as
 * healthy), none ('none', drawn as an error) or some of them ('some', drawn as
 * a warning: mode dropping is what the mode-collapse test looks for).
 */
export function coverageLevel(covered: number, total: number): 'all' | 'some' | 'none' {
  if (covered <= 0) return 'none';
  return covered >= total ? 'all' : 'some';
}
