import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionSpec } from '../../src/rpc/define-action.js';
import { actions } from '../../src/rpc/registry.js';
import { createHarness, snapshot, type TestUser } from '../support/harness.js';
import { actionKey, makeFixture, samples, type Fixture } from '../support/samples.js';
import { expectContractReply, prototypeKeys } from './support/contract.js';
import { startWorkingLlm } from './support/llm.js';

/**
 * Random and malformed requests through the whole HTTP path, in process. Fixed seed in CI (so a
 * failure reproduces), random locally; FUZZ_RUNS scales every property (npm run test:stress).
 */
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : process.env.CI === 'true' ? 20_260_704 : undefined;
const SCALE = Number(process.env.FUZZ_SCALE ?? '1');
const runs = (n: number) => Math.max(1, Math.round(n * SCALE));
const TIMEOUT = 60_000 * SCALE;
const params = (numRuns: number) => ({ numRuns: runs(numRuns), ...(SEED === undefined ? {} : { seed: SEED }) });

/** Frozen clock: a key's last_used_at is then written once, and a 4xx must change no row at all. */
const frozen = new Date('2026-03-01T12:00:00.000Z');
const llm = await startWorkingLlm();
const h = await createHarness({ env: llm.env, deps: { clock: { now: () => new Date(frozen) } } });
/** Rows changed on the app's connection so far: a 4xx must not move it. */
const totalChanges = async (): Promise<number> => (await sql<{ n: number }>`SELECT total_changes() AS n`.execute(h.db.kysely)).rows[0]?.n ?? -1;

let user: TestUser;
let admin: TestUser;
let f: Fixture;
let foreign: Fixture;
const protoBefore = prototypeKeys();
let cases = 0;
const statuses = new Map<number, number>();

beforeAll(async () => {
  user = await h.makeUser();
  admin = await h.makeUser({ admin: true });
  f = await makeFixture(h, user);
  foreign = await makeFixture(h);
  await user.invoke({ resource: 'goals', action: 'list' }); // the one last_used_at write
  await admin.invoke({ resource: 'goals', action: 'list' });
});

afterAll(async () => {
  await llm.fake.close();
  const byStatus = [...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ');
  console.log(`fuzz: ${cases} requests${SEED === undefined ? '' : ` (seed ${SEED})`}: ${byStatus}`);
});

async function send(body: string, token: string | null, headers: Record<string, string> = {}) {
  cases += 1;
  const before = await totalChanges();
  const res = await h.request('/invoke', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token === null ? {} : { Authorization: `Bearer ${token}` }), ...headers },
    body,
  });
  statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
  const text = await res.text();
  let parsed: unknown;
  expect(() => (parsed = JSON.parse(text)), `a JSON body: ${text.slice(0, 200)}`).not.toThrow();
  expectContractReply(res.status, parsed, body);
  const allFailed = Array.isArray(parsed) && parsed.every((item: { success?: unknown }) => item.success === false);
  if (res.status >= 400 || allFailed) expect(await totalChanges(), `a ${res.status} changed the database`).toBe(before);
  expect(prototypeKeys()).toEqual(protoBefore);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  return { status: res.status, body: parsed };
}

// ---- building blocks -------------------------------------------------------------------------

const nasty = fc.constantFrom(
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\uD800',
  '\uDFFF',
  'x\uDBFFy',
  '\u202E',
  '\u200F\u200E',
  '\uFEFF',
  "'; DROP TABLE goals;--",
  '" OR 1=1 --',
  "%' OR '1'='1",
  '%_\\',
  '__proto__',
  'constructor',
  'prototype',
  '../../etc/passwd',
  '${7*7}',
  '<script>alert(1)</script>',
  'NaN',
  'null',
  '🤝',
);
const hostileString = fc.oneof(
  { arbitrary: nasty, weight: 3 },
  { arbitrary: fc.string({ maxLength: 30 }), weight: 1 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 30 }), weight: 1 },
  { arbitrary: fc.array(fc.oneof(fc.string({ maxLength: 4 }), nasty), { maxLength: 6 }).map((parts) => parts.join('')), weight: 3 },
  { arbitrary: fc.integer({ min: 95, max: 5_100 }).map((n) => 'x'.repeat(n)), weight: 1 },
);
const hostileNumber = fc.oneof(
  fc.integer(),
  fc.integer({ min: -2, max: 102 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(2 ** 53, -(2 ** 53), 2 ** 63, 1e308, -0, 0.5, Number.MIN_VALUE),
);
const knownKeys = fc.constantFrom(
  'name',
  'description',
  'agent_id',
  'agentId',
  'goal_id',
  'goalId',
  'fields',
  'status',
  'priority',
  'limit',
  'offset',
  'cursor',
  'q',
  'ownerId',
  'owner_id',
  'id',
  'user_id',
  'owner',
  'created_at',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
);
const hostileKey = fc.oneof(knownKeys, hostileString);
const ids = () => fc.constantFrom(f.goalId, f.agentId, f.spareAgentId, foreign.goalId, foreign.agentId, crypto.randomUUID(), 'not-a-uuid', '');

const { value: hostileValue } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString,
    hostileNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(hostileKey, tie('value'), { maxKeys: 4 }),
  ),
}));

const resources = fc.oneof(fc.constantFrom('goals', 'agents'), hostileString);
const actionNames = fc.oneof(fc.constantFrom(...new Set(actions.map((a) => a.action))), hostileString);

// ---- properties ------------------------------------------------------------------------------

describe('fuzzing POST /invoke', () => {
  it('answers raw bodies of any shape (truncated, duplicate keys, deep, odd numbers) with a contract body', async () => {
    const valid = () => JSON.stringify(samples['goals.create'](f));
    const numberLiteral = fc.constantFrom('1e999', '-1e999', '123456789012345678901234567890', '-0', '0.1e-400', '1E+2', '0x10', '01', '.5', 'NaN', 'Infinity');
    const raw = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.json({ maxDepth: 4 }),
      fc.nat().map((n) => valid().slice(0, n % valid().length)), // truncated JSON
      fc.tuple(fc.nat(), hostileString).map(([n, s]) => {
        const text = valid();
        const at = n % text.length;
        return text.slice(0, at) + s + text.slice(at + 1);
      }),
      fc.tuple(fc.constantFrom('resource', 'action', 'id', 'data', 'admin'), fc.json({ maxDepth: 2 })).map(
        ([key, value]) => `{"resource":"goals","action":"list","${key}":${value},"${key}":${value}}`, // duplicate keys
      ),
      fc.tuple(fc.integer({ min: 1, max: 20_000 }), fc.constantFrom('[', '{"a":', '{"data":'), fc.boolean()).map(
        ([depth, open, closed]) => {
          const close = open === '[' ? ']' : '}';
          return open.repeat(depth) + (open === '[' ? '' : '1') + (closed ? close.repeat(depth) : '');
        },
      ),
      fc.tuple(knownKeys, numberLiteral).map(([key, n]) => `{"resource":"goals","action":"list","data":{"${key}":${n}}}`),
      fc.array(fc.constant('{"resource":"agents","action":"list"}'), { minLength: 0, maxLength: 30 }).map((items) => `[${items.join(',')}]`),
    );
    await fc.assert(
      fc.asyncProperty(raw, fc.nat(4), async (body, auth) => {
        await send(body, auth === 0 ? null : user.key);
      }),
      params(1_500),
    );
  }, TIMEOUT);

  it('answers random envelopes, with prototype keys and wrong types anywhere, with a contract body', async () => {
    const envelope = fc.record(
      {
        resource: fc.oneof(resources, hostileValue),
        action: fc.oneof(actionNames, hostileValue),
        id: fc.oneof(ids(), hostileValue),
        data: hostileValue,
        admin: fc.oneof(fc.boolean(), hostileValue),
      },
      { requiredKeys: [] },
    );
    const extra = fc.option(fc.tuple(hostileKey, hostileValue), { nil: undefined });
    await fc.assert(
      fc.asyncProperty(envelope, extra, fc.constantFrom<'user' | 'admin'>('user', 'admin'), async (env, more, who) => {
        const body = { ...env } as Record<string, unknown>;
        if (more) Object.defineProperty(body, more[0], { value: more[1], enumerable: true });
        await send(JSON.stringify(body), who === 'user' ? user.key : admin.key);
      }),
      params(1_500),
    );
  }, TIMEOUT);

  it("answers every action's valid sample with one value broken (or one key added) with a contract body", async () => {
    const specs = new Map((actions as readonly ActionSpec[]).map((spec) => [actionKey(spec), spec]));
    const mutation = fc.record({
      action: fc.constantFrom(...specs.keys()),
      target: fc.constantFrom<'own' | 'foreign'>('own', 'foreign'),
      key: hostileKey,
      value: fc.oneof({ arbitrary: hostileString, weight: 3 }, { arbitrary: hostileNumber, weight: 1 }, { arbitrary: hostileValue, weight: 2 }),
      mode: fc.constantFrom<'replace' | 'add' | 'id' | 'none'>('replace', 'add', 'id', 'none'),
      adminMode: fc.boolean(),
      who: fc.constantFrom<'user' | 'admin'>('user', 'admin'),
    });
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const spec = specs.get(m.action);
        if (!spec) throw new Error(`no spec for ${m.action}`);
        const sample = samples[m.action](m.target === 'own' ? f : foreign);
        const data = { ...((sample.data as Record<string, unknown> | undefined) ?? {}) };
        const keys = Object.keys(data);
        const replaced = keys[m.key.length % Math.max(1, keys.length)];
        if (m.mode === 'replace' && replaced !== undefined) data[replaced] = m.value;
        if (m.mode === 'add') Object.defineProperty(data, m.key, { value: m.value, enumerable: true });
        const envelope: Record<string, unknown> = { ...sample, data, admin: m.adminMode };
        if (m.mode === 'id') envelope.id = m.value;
        const reply = await send(JSON.stringify(envelope), m.who === 'user' ? user.key : admin.key);
        if (reply.status < 300) {
          // A success carries exactly what the catalog promises.
          const result = spec.result.safeParse((reply.body as { data: unknown }).data);
          expect(result.success, JSON.stringify(result.error?.issues)).toBe(true);
          // Text that was accepted is stored as sent (names are trimmed), never silently altered.
          const stores = spec.action === 'create' || spec.action === 'update';
          if (stores && m.mode === 'replace' && typeof m.value === 'string' && (replaced === 'name' || replaced === 'description')) {
            const stored = (reply.body as { data: Record<string, unknown> }).data[replaced];
            expect(stored).toBe(replaced === 'name' ? m.value.trim() : m.value);
          }
        }
      }),
      params(1_700),
    );
  }, TIMEOUT);

  it('answers random credentials, request ids and idempotency keys without a 5xx, and a 4xx changes no row', async () => {
    const header = fc.string({ unit: 'binary-ascii', maxLength: 300 }).filter((s) => !/[\r\n\0]/.test(s));
    const request = fc.record({
      authorization: fc.option(fc.oneof(header, header.map((s) => `Bearer ${s}`)), { nil: undefined }),
      requestId: fc.option(header, { nil: undefined }),
      idempotencyKey: fc.option(header, { nil: undefined }),
      envelope: fc.constantFrom(...(['goals.create', 'goals.attach', 'agents.create', 'goals.list'] as const)),
      validKey: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const headers: Record<string, string> = {};
        if (r.requestId !== undefined) headers['X-Request-Id'] = r.requestId;
        if (r.idempotencyKey !== undefined) headers['Idempotency-Key'] = r.idempotencyKey;
        if (r.authorization !== undefined && !r.validKey) headers.Authorization = r.authorization;
        const before = await snapshot(h);
        cases += 1;
        const res = await h.request('/invoke', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', ...(r.validKey ? { Authorization: `Bearer ${user.key}` } : {}), ...headers },
          body: JSON.stringify(samples[r.envelope](f)),
        });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const body: unknown = await res.json();
        expectContractReply(res.status, body);
        const id = res.headers.get('x-request-id') ?? '';
        const sane = /^[A-Za-z0-9._:-]{1,128}$/;
        expect(sane.test(id)).toBe(true);
        const sent = r.requestId?.replace(/^[ \t]+|[ \t]+$/g, ''); // Headers strip HTTP whitespace
        if (sent !== undefined && sane.test(sent)) expect(id).toBe(sent);
        if (res.status >= 400) expect(await snapshot(h)).toEqual(before);
      }),
      params(500),
    );
  }, TIMEOUT);
});
