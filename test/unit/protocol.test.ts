import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';
import { ConfigError, configJsonSchema, parseConfigText, resolveConfig } from '../../src/protocol/config';
import {
  ControlMessageSchema,
  HostToWebviewSchema,
  parseMessage,
  TrainerMessageSchema,
  WebviewToHostSchema,
} from '../../src/protocol/messages';

const base = { name: 'ring', variant: 'wgan-gp', data: { name: '8gaussians' } };

function problems(raw: unknown): { path: string; message: string }[] {
  try {
    resolveConfig(raw);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${e}`);
    return [...e.problems];
  }
  assert.fail('config was accepted');
}

test('a minimal config resolves with the variant\'s paper defaults', () => {
  const c = resolveConfig(base);
  assert.equal(c.training.nCritic, 5);
  assert.equal(c.training.lrD, 1e-4);
  assert.equal(c.training.beta1, 0);
  assert.equal(c.training.beta2, 0.9);
  assert.equal(c.options.gpWeight, 10);
  assert.equal(c.options.gpOneSided, false);
  const ns = resolveConfig({ ...base, variant: 'gan-ns' });
  assert.equal(ns.training.nCritic, 1);
  assert.equal(ns.training.beta1, 0.5);
  assert.deepEqual(ns.options, {});
});

test('explicit training fields win over the variant defaults', () => {
  const c = resolveConfig({ ...base, training: { nCritic: 2, lrD: 0.001 }, options: { gpWeight: 1 } });
  assert.equal(c.training.nCritic, 2);
  assert.equal(c.training.lrD, 0.001);
  assert.equal(c.options.gpWeight, 1);
});

test('each bad field is named, with what is expected and what the field does', () => {
  const p = problems({ ...base, training: { batchSize: -3, lrG: 'fast' }, model: { hidden: 2.5 } });
  const byPath = Object.fromEntries(p.map((x) => [x.path, x.message]));
  assert.match(byPath['training.batchSize'], />=1/);
  assert.match(byPath['training.batchSize'], /Mini-batch size/);
  assert.match(byPath['training.lrG'], /expected number/);
  assert.match(byPath['model.hidden'], /int/i);
  assert.equal(p.length, 3);
});

test('unknown fields, unknown variants and options of another variant are rejected by name', () => {
  assert.equal(problems({ ...base, trainig: {} })[0].path, '(root)');
  assert.match(problems({ ...base, trainig: {} })[0].message, /trainig/);
  assert.equal(problems({ ...base, variant: 'wgan-xx' })[0].path, 'variant');
  const p = problems({ ...base, variant: 'gan-ns', options: { gpWeight: 10 } });
  assert.deepEqual(p.map((x) => x.path), ['options.gpWeight']);
  assert.match(p[0].message, /not used by variant 'gan-ns'/);
  assert.equal(problems({ ...base, name: '../escape' })[0].path, 'name');
});

test('model.packing: a batch that does not split into packs, or packing an auto-encoder D, is named with the fix', () => {
  assert.equal(resolveConfig({ ...base, model: { packing: 4 }, training: { batchSize: 64 } }).model.packing, 4);
  assert.equal(resolveConfig(base).model.packing, 1, 'off by default');
  const odd = problems({ ...base, model: { packing: 4 }, training: { batchSize: 66 } });
  assert.deepEqual(odd.map((x) => x.path), ['training.batchSize']);
  assert.match(odd[0].message, /66 is not a multiple of model\.packing \(4\).*use 64 or 68/);
  const ae = problems({ ...base, variant: 'began', model: { packing: 2 } });
  assert.deepEqual(ae.map((x) => x.path), ['model.packing']);
  assert.match(ae[0].message, /must be 1 for variant 'began'.*auto-encoder/);
  assert.equal(problems({ ...base, model: { packing: 9 } })[0].path, 'model.packing');
});

test('JSON syntax errors say so', () => {
  assert.throws(() => parseConfigText('{ "name": ', 'x/gan.config.json'), /x\/gan.config.json[\s\S]*not valid JSON/);
});

test('the committed editor schema is the one generated from the zod schema', () => {
  const committed = JSON.parse(fs.readFileSync('schemas/gan.config.schema.json', 'utf8'));
  assert.deepEqual(committed, JSON.parse(JSON.stringify(configJsonSchema())));
  assert.deepEqual(committed.required.sort(), ['data', 'name', 'variant']);
});

test('valid messages of each direction are accepted', () => {
  const status = { state: 'running', step: 3, totalSteps: 10, startedAt: 'a', updatedAt: 'b' };
  assert.ok(parseMessage(TrainerMessageSchema, { type: 'status', status }, 't').ok);
  assert.ok(parseMessage(TrainerMessageSchema, { type: 'metrics', records: [{ step: 1, time: 0.1, lossD: 1, swd: null }] }, 't').ok);
  assert.ok(parseMessage(ControlMessageSchema, { type: 'control', action: 'pause' }, 't').ok);
  assert.ok(parseMessage(WebviewToHostSchema, { type: 'ready' }, 't').ok);
  assert.ok(parseMessage(HostToWebviewSchema, { type: 'notice', level: 'warn', message: 'x' }, 't').ok);
});

test('malformed and unknown messages are rejected with the type and the field', () => {
  const unknown = parseMessage(ControlMessageSchema, { type: 'rm -rf' }, 'host→trainer');
  assert.equal(unknown.ok, false);
  assert.match((unknown as { error: string }).error, /host→trainer: rejected message 'rm -rf'/);
  const badField = parseMessage(ControlMessageSchema, { type: 'control', action: 'explode' }, 'host→trainer');
  assert.match((badField as { error: string }).error, /'control'.*action/);
  const badRecord = parseMessage(TrainerMessageSchema, { type: 'metrics', records: [{ step: -1, time: 0 }] }, 'trainer→host');
  assert.match((badRecord as { error: string }).error, /records\.0\.step/);
  for (const raw of [null, 42, 'x', [], { type: 7 }]) {
    const r = parseMessage(WebviewToHostSchema, raw, 'webview→host');
    assert.equal(r.ok, false);
    assert.match((r as { error: string }).error, /webview→host: rejected message/);
  }
});
