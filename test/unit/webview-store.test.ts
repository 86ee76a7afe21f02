import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Arena, emptyVec, vecFrom, VecWriter, type Vec } from '../../webview-ui/src/store';

const read = (v: Vec) => Array.from(v.buf.subarray(0, v.length));

function append(v: Vec, values: number[], arena?: Arena): Vec {
  const w = new VecWriter(v, values.length, arena);
  for (const x of values) w.push(x);
  return w.finish();
}

test('appends extend the same buffer and leave older views intact', () => {
  const a = vecFrom([1, 2, 3]);
  const b = append(a, [4, 5]);
  assert.equal(b.buf, a.buf, 'no copy while there is room');
  assert.deepEqual(read(a), [1, 2, 3]);
  assert.deepEqual(read(b), [1, 2, 3, 4, 5]);
});

test('appending to an older view again copies its prefix (a branch)', () => {
  const a = vecFrom([1, 2, 3]);
  const b = append(a, [4]);
  const c = append(a, [40, 50]);
  assert.notEqual(c.buf, a.buf);
  assert.deepEqual(read(b), [1, 2, 3, 4]);
  assert.deepEqual(read(c), [1, 2, 3, 40, 50]);
  assert.deepEqual(read(append(b, [5])), [1, 2, 3, 4, 5]);
});

test('growth past the capacity keeps every value', () => {
  let v = emptyVec();
  const all: number[] = [];
  for (let k = 0; k < 50; k++) {
    const batch = Array.from({ length: 97 }, (_, i) => k * 1000 + i);
    v = append(v, batch);
    all.push(...batch);
  }
  assert.deepEqual(read(v), all);
  // A writer that outgrows its buffer mid-message.
  const w = new VecWriter(emptyVec(), 1);
  for (let i = 0; i < 5000; i++) w.push(i);
  const big = w.finish();
  assert.equal(big.length, 5000);
  assert.equal(big.buf[4999], 4999);
});

test('an arena hands out disjoint views of one buffer, then falls back', () => {
  const arena = new Arena(3000);
  const a = arena.alloc(1000);
  const b = arena.alloc(1500);
  assert.equal(a.buffer, b.buffer, 'one allocation');
  a.fill(1);
  b.fill(2);
  assert.ok(a.every((x) => x === 1) && b.every((x) => x === 2), 'views do not overlap');
  const c = arena.alloc(1000);
  assert.notEqual(c.buffer, a.buffer, 'a request beyond its size gets its own buffer');
  assert.equal(c.length, 1000);
  // Writers placed in an arena behave like any other.
  const arena2 = new Arena(10_000);
  const x = append(emptyVec(), [1, 2, 3], arena2);
  const y = append(emptyVec(), [7, 8], arena2);
  assert.equal(x.buf.buffer, y.buf.buffer);
  assert.deepEqual(read(append(x, [4])), [1, 2, 3, 4]);
  assert.deepEqual(read(y), [7, 8]);
});
