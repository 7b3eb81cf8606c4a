import { describe, expect, it } from 'vitest';
import { createHarness, snapshot } from '../support/harness.js';

const h = await createHarness();
const user = await h.makeUser();
const agent = await h.makeAgent(user);

const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);

describe('text that SQLite cannot store as sent', () => {
  it.each([
    ['a leading NUL', '\u0000abc'],
    ['a NUL inside', 'ab\u0000c'],
    ['a lone high surrogate', 'a\uD800b'],
    ['a lone low surrogate', 'a\uDC00b'],
    ['surrogates in the wrong order', '\uDC00\uD800'],
  ])('is refused with 400 naming the field when a name has %s', async (_label, name) => {
    const before = await snapshot(h);
    const reply = await user.invoke({ resource: 'goals', action: 'create', data: { agent_id: agent.id, name } });
    expect(reply.status).toBe(400);
    expect(reply.body.error?.details).toEqual([
      { path: 'data.name', message: 'Contains a NUL character or an unpaired surrogate, which cannot be stored as text.' },
    ]);
    expect(await snapshot(h)).toEqual(before);
  });

  it('is refused deep inside the fields list too, with the path of the value', async () => {
    const reply = await user.invoke({
      resource: 'goals',
      action: 'create',
      data: { agent_id: agent.id, name: 'x', fields: [{ key: 'pick', label: 'Pick', type: 'enum', options: ['ok', 'bad\u0000'] }] },
    });
    expect(reply.status).toBe(400);
    expect(reply.body.error?.details).toEqual([
      { path: 'data.fields.0.options.1', message: 'Contains a NUL character or an unpaired surrogate, which cannot be stored as text.' },
    ]);
  });
});

describe('text that is unusual but valid', () => {
  it.each([
    ['SQL metacharacters', "x'); DROP TABLE goals;-- %_\\"],
    ['a right-to-left override', '\u202Eevil.exe'],
    ['emoji (surrogate pairs)', 'Close 🤝 deals'],
    ['zero-width and BOM characters', 'a\u200Bb\uFEFFc'],
    ['other control characters', 'tab\there\u0007'],
  ])('round-trips %s exactly', async (_label, name) => {
    const created = await h.ok<{ id: string; name: string }>(user, { resource: 'goals', action: 'create', data: { agent_id: agent.id, name } });
    const read = await h.ok<{ name: string }>(user, { resource: 'goals', action: 'get', id: created.id });
    expect(created.name).toBe(name.trim());
    expect(read.name).toBe(created.name);
  });

  it('finds SQL wildcards literally with q', async () => {
    const other = await h.makeAgent(user, { name: '100%_sure' });
    const page = await h.ok<{ items: { id: string }[] }>(user, { resource: 'agents', action: 'list', data: { q: '%_' } });
    expect(page.items.map((a) => a.id)).toEqual([other.id]);
  });
});

describe('values of the wrong kind', () => {
  it('says which type was expected and which was received, instead of "Required."', async () => {
    const reply = await user.invoke({ resource: 'goals', action: 'create', data: { agent_id: agent.id, name: 42, fields: [[]] } });
    expect(reply.body.error?.details).toEqual([
      { path: 'data.name', message: 'Expected string, received number.' },
      { path: 'data.fields.0', message: 'Expected object, received array.' },
    ]);
  });

  it('refuses 1e999 (Infinity after JSON.parse) as not a finite number', async () => {
    const reply = await user.invoke('{"resource":"goals","action":"list","data":{"limit":1e999}}');
    expect(reply.status).toBe(400);
    expect(reply.body.error?.details).toEqual([{ path: 'data.limit', message: 'Must be a finite number.' }]);
  });

  it.each([
    ['30,000 nested arrays as data', `{"resource":"goals","action":"list","data":${deep(30_000)}}`, 400],
    ['30,000 nested arrays as a field', `{"resource":"goals","action":"create","data":{"agent_id":"${agent.id}","name":"x","fields":${deep(30_000)}}}`, 400],
    ['10,000 nested objects', `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`, 400],
    ['a batch ending in 30,000 nested arrays', `[${'{},'.repeat(24)}${deep(30_000)}]`, 200],
  ])('answers %s without a 5xx', async (_label, body, status) => {
    const reply = await user.invoke(body);
    expect(reply.status).toBe(status);
  });
});

describe('prototype keys', () => {
  it.each([
    ['data.__proto__', '{"resource":"agents","action":"create","data":{"name":"p","__proto__":{"polluted":1}}}'],
    ['__proto__', '{"resource":"agents","action":"create","__proto__":{"polluted":1},"data":{"name":"p"}}'],
    ['data.constructor', '{"resource":"agents","action":"create","data":{"name":"p","constructor":{"prototype":{"polluted":1}}}}'],
    ['data.prototype', '{"resource":"agents","action":"create","data":{"name":"p","prototype":{"polluted":1}}}'],
  ])('reports %s as an unknown key and pollutes nothing', async (path, body) => {
    const before = await snapshot(h);
    const reply = await user.invoke(body);
    expect(reply.status).toBe(400);
    expect(reply.body.error?.details).toEqual([{ path, message: 'Unknown key.' }]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await snapshot(h)).toEqual(before);
  });

  it('treats a __proto__ alias key as unknown rather than an alias', async () => {
    const reply = await user.invoke(`{"resource":"goals","action":"attach","data":{"__proto__":{"goalId":"${crypto.randomUUID()}"},"agentId":"${agent.id}"}}`);
    expect(reply.status).toBe(400);
    expect(reply.body.error?.details).toContainEqual({ path: 'data.__proto__', message: 'Unknown key.' });
  });
});
