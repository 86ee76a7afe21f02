/**
 * The dashboard's own work on an init of N records (default 10^6), in Node's
 * V8 without a browser: validation, state, and the decimation of every series
 * (what the first chart frames do; chart.js drawing is not included). Prints
 * wall and CPU time per phase, best of 3, so a busy machine can be seen for
 * what it is.   npx tsx webview-ui/dev/bench-node.ts [N]
 */
import { CHART_IDS } from '../src/catalog';
import { decimate, MAX_DRAWN_POINTS } from '../src/render/series';
import { chartSeries, initialState, receive } from '../src/state';
import { buildInit } from './synthetic';

const n = Number(process.argv[2] ?? 1_000_000);
// Objects as a browser's structured clone makes them (the host's message arrives that way).
const init = structuredClone(buildInit(n));

function time<T>(f: () => T): { value: T; wall: number; cpu: number } {
  const c = process.cpuUsage();
  const t = performance.now();
  const value = f();
  const u = process.cpuUsage(c);
  return { value, wall: performance.now() - t, cpu: (u.user + u.system) / 1000 };
}

const best: Record<string, { wall: number; cpu: number }> = {};
const keep = (name: string, r: { wall: number; cpu: number }) => {
  const b = best[name];
  if (!b || r.wall < b.wall) best[name] = { wall: r.wall, cpu: r.cpu };
};
for (let rep = 0; rep < 3; rep++) {
  const applied = time(() => receive(initialState(), init));
  if (applied.value.records !== n) throw new Error(`applied ${applied.value.records} records`);
  keep('validate + apply', applied);
  const state = applied.value;
  const drawn = time(() => {
    let points = 0;
    for (const id of CHART_IDS) {
      for (const s of chartSeries(state, id)) {
        points += decimate(s.column.xs, s.column.ys, s.column.length, MAX_DRAWN_POINTS, s.column.gaps === 0).length;
      }
    }
    return points;
  });
  keep('decimate all series', drawn);
  keep('total', { wall: applied.wall + drawn.wall, cpu: applied.cpu + drawn.cpu });
}
console.log(`${n} records, ${init.type === 'init' ? Object.keys(init.metrics[0]).length - 2 : 0} metrics per record; best of 3 (ms):`);
for (const [k, v] of Object.entries(best)) console.log(`  ${k.padEnd(22)} wall ${v.wall.toFixed(0).padStart(6)}   cpu ${v.cpu.toFixed(0).padStart(6)}`);
