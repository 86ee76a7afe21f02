import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MetricRecordSchema } from '../../src/protocol/metrics';
import { checkMetricRecord, parseHostMessage } from '../../webview-ui/src/validate';

// The fast record check must accept exactly what MetricRecordSchema accepts.
const anyNumber = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(0, -0, -1, 1.5, 2 ** 53, 2 ** 53 - 1, -(2 ** 53), Number.NaN, Infinity, -Infinity, Number.MAX_VALUE),
);
const anyValue = fc.oneof(anyNumber, fc.constant(null), fc.constant(undefined), fc.string(), fc.boolean(), fc.constant([]), fc.constant({}));
const key = fc.oneof(fc.constantFrom('lossD', 'lossG', 'swd', 'x'), fc.string({ maxLength: 6 }));
const record = fc.record(
  {
    step: fc.oneof(anyNumber, anyValue),
    time: fc.oneof(anyNumber, anyValue),
  },
  { requiredKeys: [] },
);
const candidate = fc.oneof(
  fc.tuple(record, fc.dictionary(key, fc.oneof(anyNumber, fc.constant(null), anyValue), { maxKeys: 4 })).map(([r, extra]) => ({ ...extra, ...r })),
  anyValue,
  fc.constant([1, 2]),
);

test('the fast record check agrees with MetricRecordSchema', () => {
  fc.assert(
    fc.property(candidate, (r) => {
      const zodOk = MetricRecordSchema.safeParse(r).success;
      const fastOk = checkMetricRecord(r) === null;
      assert.equal(fastOk, zodOk, `disagree on ${JSON.stringify(r)} (zod ${zodOk})`);
    }),
    { numRuns: 5000 },
  );
});

test('the fast record check agrees on edge cases', () => {
  const cases: unknown[] = [
    { step: 0, time: 0 },
    { step: 1, time: 0.5, lossD: null, lossG: -3 },
    { step: 1.5, time: 0 },
    { step: -1, time: 0 },
    { step: 2 ** 53, time: 0 },
    { step: 2 ** 53 - 1, time: 0 },
    { step: 1, time: -0.1 },
    { step: 1, time: Infinity },
    { step: 1, time: 1, a: undefined },
    { step: 1, time: 1, a: Infinity },
    { step: 1, time: 1, a: NaN },
    { step: 1, time: 1, a: '1' },
    { step: 1 },
    { time: 1 },
    { step: '1', time: 1 },
    [],
    null,
  ];
  for (const r of cases) {
    assert.equal(checkMetricRecord(r) === null, MetricRecordSchema.safeParse(r).success, JSON.stringify(r) ?? String(r));
  }
});

test('large messages go through the fast path with the same verdicts', () => {
  const records = Array.from({ length: 3000 }, (_, i) => ({ step: i, time: i, lossD: i % 3 === 0 ? null : i }));
  const good = parseHostMessage({ type: 'metrics', records });
  assert.ok(good.ok);
  assert.equal(good.message.type === 'metrics' && good.message.records.length, 3000);

  const init = parseHostMessage({ type: 'init', run: { id: 'x' }, metrics: records, warnings: [] });
  assert.ok(!init.ok, 'the rest of the message is still checked by the schema');
  assert.match(init.error, /rejected message 'init': run\./);

  const bad = parseHostMessage({ type: 'metrics', records: [...records, { step: 1, time: 1, lossD: Infinity }] });
  assert.ok(!bad.ok);
  assert.match(bad.error, /records\.3000\.lossD/);
});
