/**
 * How every view writes a count (steps, records): digits grouped in threes,
 * "160,000" rather than "160000", the same in the extension host (tree,
 * status bar, notices, exit errors) and the webview, whatever the machine's
 * locale.
 */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}
