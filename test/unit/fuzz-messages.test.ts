/**
 * Property-based fuzzing of every message validator, in each direction
 * (issue 7, "hostile input"): random JSON values and mutations of valid
 * messages. Each input is accepted — and then re-validates after a trip
 * through JSON and has only its type's documented fields — or rejected with
 * an error naming the channel and the message type or a field. Nothing throws.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { z } from 'zod';
import { ControlMessageSchema, HostToWebviewSchema, parseMessage, TrainerMessageSchema, WebviewToHostSchema } from '../../src/protocol/messages';
import { controlMessage, hostToWebview, trainerMessage, webviewToHost } from './fuzz-arbitraries';
import { parseHostMessage, CHANNEL as WEBVIEW_CHANNEL } from '../../webview-ui/src/validate';
import { deep, hostileValue, jsonRoundTrip, mutated, prototypeClean, tried } from './fuzz-helpers';

const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);

// ---- inputs ---------------------------------------------------------------
function inputs(valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 2, arbitrary: fc.jsonValue() },
    { weight: 1, arbitrary: fc.anything({ withNullPrototype: true, withBoxedValues: true, withSparseArray: true }) },
    { weight: 1, arbitrary: hostileValue },
    { weight: 1, arbitrary: valid },
    { weight: 5, arbitrary: mutated(valid) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 5000 }).map((d) => ({ type: 'metrics', records: deep(d) })) },
  );
}

/** The documented fields of each message type of a discriminated union. */
function fieldsByType(schema: z.ZodDiscriminatedUnion): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const opt of schema.options as unknown as z.ZodObject[]) {
    const shape = opt.shape as Record<string, z.ZodType & { value?: unknown }>;
    out.set(String((shape.type as unknown as { value: string }).value), new Set(Object.keys(shape)));
  }
  return out;
}

interface Direction {
  name: string;
  channel: string;
  schema: z.ZodDiscriminatedUnion;
  valid: fc.Arbitrary<unknown>;
  parse: (raw: unknown) => ReturnType<typeof parseMessage<unknown>>;
}

const DIRECTIONS: Direction[] = [
  { name: 'trainer → host (TrainerMessageSchema)', channel: 'trainer run-x', schema: TrainerMessageSchema as never, valid: trainerMessage, parse: (r) => parseMessage(TrainerMessageSchema, r, 'trainer run-x') },
  { name: 'host → trainer (ControlMessageSchema)', channel: 'host→trainer', schema: ControlMessageSchema as never, valid: controlMessage, parse: (r) => parseMessage(ControlMessageSchema, r, 'host→trainer') },
  { name: 'host → webview (HostToWebviewSchema)', channel: 'dashboard run-x', schema: HostToWebviewSchema as never, valid: hostToWebview, parse: (r) => parseMessage(HostToWebviewSchema, r, 'dashboard run-x') },
  { name: 'host → webview, as the webview receives it (parseHostMessage)', channel: WEBVIEW_CHANNEL, schema: HostToWebviewSchema as never, valid: hostToWebview, parse: (r) => parseHostMessage(r) },
  { name: 'webview → host (WebviewToHostSchema)', channel: 'dashboard run-x', schema: WebviewToHostSchema as never, valid: webviewToHost, parse: (r) => parseMessage(WebviewToHostSchema, r, 'dashboard run-x') },
];

after(() => console.log(`fuzz-messages: ${tried.count} inputs tried`));

for (const d of DIRECTIONS) {
  test(`fuzz ${d.name}: accepted ⇒ valid and documented, rejected ⇒ error naming channel and field; never throws`, () => {
    const fields = fieldsByType(d.schema);
    let accepted = 0;
    fc.assert(
      fc.property(inputs(d.valid), (raw) => {
        tried.count++;
        const r = d.parse(raw);
        if (r.ok) {
          accepted++;
          const msg = r.message as Record<string, unknown>;
          const known = fields.get(String(msg.type));
          assert.ok(known, `accepted an unknown type ${String(msg.type)}`);
          for (const k of Object.keys(msg)) assert.ok(known.has(k), `accepted '${msg.type}' carries undocumented field ${k}`);
          // Re-validates, also after the trip through JSON that every channel makes.
          assert.ok(d.schema.safeParse(msg).success, 'accepted value re-validates');
          assert.ok(d.schema.safeParse(jsonRoundTrip(msg)).success, 'accepted value re-validates after JSON');
        } else {
          assert.equal(typeof r.error, 'string');
          assert.ok(r.error.startsWith(`${d.channel}: rejected message `), r.error.slice(0, 200));
          const named = /rejected message ('[^]*'|without a type): /.exec(r.error);
          assert.ok(named, `names the message type: ${r.error.slice(0, 200)}`);
          const detail = r.error.slice(named.index + named[0].length);
          assert.match(detail, /^(\(message\)|[^:\s][^:]*): \S/, `names a field: ${r.error.slice(0, 200)}`);
          assert.ok(r.error.length < 2000, `error stays short (${r.error.length} chars)`);
        }
        assert.ok(prototypeClean(), 'Object.prototype untouched');
      }),
      { numRuns: RUNS, seed: Number(process.env.FUZZ_SEED ?? 7) },
    );
    assert.ok(accepted > RUNS / 20, `some inputs were valid (${accepted})`);
  });
}

test('rejections name the field that is wrong', () => {
  const cases: [Direction, unknown, RegExp][] = [
    [DIRECTIONS[0], { type: 'metrics', records: [{ step: -1, time: 0 }] }, /'metrics': records\.0\.step/],
    [DIRECTIONS[0], { type: 'hello', protocol: 2, runId: 'r', pid: 1, backend: { name: 'cpu', reason: '' }, totalSteps: 1 }, /'hello': protocol/],
    [DIRECTIONS[0], { type: 'log', level: 'warn', message: 'x'.repeat(100_001) }, /'log': message/],
    [DIRECTIONS[1], { type: 'control', action: 'rm -rf' }, /'control': action/],
    [DIRECTIONS[1], { type: 'launch' }, /'launch': type/],
    [DIRECTIONS[2], { type: 'status', status: { state: 'running', step: NaN } }, /'status': status\.step/],
    [DIRECTIONS[3], { type: 'init', run: {}, metrics: Array.from({ length: 2000 }, (_, i) => ({ step: i, time: i, lossD: i === 1500 ? 'x' : 1 })), warnings: [] }, /'init': metrics\.1500\.lossD/],
    [DIRECTIONS[4], { type: 'control' }, /'control': action/],
    [DIRECTIONS[4], [], /without a type: \(message\)/],
  ];
  for (const [d, raw, re] of cases) {
    tried.count++;
    const r = d.parse(raw);
    assert.ok(!r.ok);
    assert.match(r.error, re);
  }
});
