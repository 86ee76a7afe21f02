/** What the bench scripts share for their command lines: a usage error and the positive-integer check. */

/** A bad command line: the scripts print its message and the usage, and exit 2. */
export class UsageError extends Error {}

export function positiveInt(name: string, v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new UsageError(`--${name} must be a positive integer, got '${v}'`);
  return Number(v);
}
