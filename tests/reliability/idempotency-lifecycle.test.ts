import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { claimIdempotencyKey } from '../../src/db/idempotency-store.js';
import { ApiError } from '../../src/rpc/errors.js';
import { fingerprintOf, IDEMPOTENCY_LOCK_MS, IDEMPOTENCY_TTL_MS, runIdempotent, type Outcome } from '../../src/rpc/idempotency.js';
import { silentLogger } from '../../src/platform/logger.js';
import { randomIds } from '../../src/platform/ids.js';
import { completion, failure, type Answer } from '../support/fake-openai.js';
import { createHarness, type Harness } from '../support/harness.js';
import { DRAFT, startWorkingLlm } from './support/llm.js';

const withKey = (key: string) => ({ headers: { 'Idempotency-Key': key } });

const storedKeys = (h: Harness, userId: string) =>
  h.db.kysely.selectFrom('idempotency_keys').selectAll().where('user_id', '=', userId).execute();

describe('idempotency keys over time and faults', () => {
  it('ignores a key after 24 hours and sweeps the expired rows', async () => {
    const h = await createHarness();
    const user = await h.makeUser();
    const other = await h.makeUser();
    const envelope = { resource: 'agents', action: 'create', data: { name: 'Daily' } };
    const first = await user.invoke(envelope, withKey('daily'));
    await other.invoke(envelope, withKey('unrelated'));

    h.clock.advance(IDEMPOTENCY_TTL_MS);
    const nextDay = await user.invoke(envelope, withKey('daily'));

    expect(nextDay.status).toBe(201);
    expect(nextDay.headers.get('idempotent-replayed')).toBeNull();
    expect(nextDay.body.data.id).not.toBe(first.body.data.id);
    expect(await storedKeys(h, other.id)).toEqual([]);
    const [row] = await storedKeys(h, user.id);
    expect(JSON.parse(row?.response_body ?? 'null')).toEqual(nextDay.body.data);
  });

  it('still replays just before the 24 hours are up', async () => {
    const h = await createHarness();
    const user = await h.makeUser();
    const envelope = { resource: 'agents', action: 'create', data: { name: 'Almost a day' } };
    const first = await user.invoke(envelope, withKey('k'));
    h.clock.advance(IDEMPOTENCY_TTL_MS - 1_000);
    const replay = await user.invoke(envelope, withKey('k'));
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(first.body);
  });

  it('answers 409 retryable while an attempt holds the key, and lets a retry take over an abandoned one', async () => {
    const h = await createHarness();
    const user = await h.makeUser();
    const envelope = { resource: 'agents', action: 'create', data: { name: 'Crashed midway' } };
    // An attempt that claimed the key and never finished, as a killed server leaves it.
    const now = h.clock.now();
    await claimIdempotencyKey(h.db, {
      userId: user.id,
      key: 'stuck',
      fingerprint: await fingerprintOf({ resource: 'agents', action: 'create', id: undefined, data: { name: 'Crashed midway', description: null }, admin: false }),
      claim: crypto.randomUUID(),
      now: now.toISOString(),
      lockedUntil: new Date(now.getTime() + IDEMPOTENCY_LOCK_MS).toISOString(),
      expiresAt: new Date(now.getTime() + IDEMPOTENCY_TTL_MS).toISOString(),
    });

    const busy = await user.invoke(envelope, withKey('stuck'));
    h.clock.advance(IDEMPOTENCY_LOCK_MS);
    const taken = await user.invoke(envelope, withKey('stuck'));
    const replay = await user.invoke(envelope, withKey('stuck'));

    expect(busy.status).toBe(409);
    expect(busy.body.error).toMatchObject({ code: 'CONFLICT', retryable: true });
    expect(busy.headers.get('retry-after')).toBe('1');
    expect(taken.status).toBe(201);
    expect(replay.body).toEqual(taken.body);
  });

  it('frees the key when the action fails with a 500, so the retry creates the row once', async () => {
    let clash: string | null = null;
    const h = await createHarness({ deps: { ids: { uuid: () => clash ?? crypto.randomUUID() } } });
    const user = await h.makeUser();
    const existing = await h.makeAgent(user);
    const envelope = { resource: 'agents', action: 'create', data: { name: 'Unlucky' } };

    clash = existing.id; // the new agent's id collides with a row: the insert fails.
    const failed = await user.invoke(envelope, withKey('retry-me'));
    clash = null;
    const retried = await user.invoke(envelope, withKey('retry-me'));

    expect(failed.status).toBe(500);
    expect(failed.body.error).toMatchObject({ code: 'INTERNAL_ERROR', retryable: true });
    expect(retried.status).toBe(201);
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
    const agents = await h.db.kysely.selectFrom('agents').select('id').where('owner_id', '=', user.id).execute();
    expect(agents).toHaveLength(2);
  });

  it('answers a duplicate that arrives while the first attempt runs with 409 retryable, runs once, and keeps the database free meanwhile', async () => {
    const h = await createHarness();
    const user = await h.makeUser();
    const deps = { db: h.db, clock: h.clock, ids: randomIds, logger: silentLogger };
    const scope = { userId: user.id, key: 'slow', requestId: 'r1' };
    const request = { resource: 'goals', action: 'generate', id: undefined, data: { description: 'Qualify leads' }, admin: false };
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let runs = 0;
    const slowRun = async (): Promise<Outcome> => {
      runs += 1;
      await gate; // e.g. waiting on the LLM
      return { status: 200, data: { suggestion: 'x' } };
    };

    const first = runIdempotent(deps, scope, request, slowRun);
    while (runs === 0) await new Promise((resolve) => setImmediate(resolve)); // the first attempt is inside run
    const agentWhileWaiting = await h.makeAgent(user); // the database is not held by the waiting attempt
    const duplicate = await runIdempotent(deps, scope, request, slowRun).catch((err: unknown) => err);
    const different = await runIdempotent(deps, scope, { ...request, data: { description: 'Other' } }, slowRun).catch((err: unknown) => err);
    release();
    const result = await first;
    const replay = await runIdempotent(deps, scope, request, slowRun);

    expect(agentWhileWaiting.id).toBeTruthy();
    expect(duplicate).toBeInstanceOf(ApiError);
    expect(duplicate).toMatchObject({ code: 'CONFLICT', retryable: true, headers: { 'Retry-After': '1' } });
    expect(different).toMatchObject({ code: 'CONFLICT', retryable: false });
    expect(result).toEqual({ status: 200, data: { suggestion: 'x' } });
    expect(replay).toEqual({ status: 200, data: { suggestion: 'x' }, replayed: true });
    expect(runs).toBe(1);
  });
});

const llm = await startWorkingLlm();
afterAll(() => llm.fake.close());

describe('idempotency keys on goals.generate', () => {
  beforeEach(() => {
    llm.fake.reset();
    llm.fake.fallback(completion(DRAFT));
  });
  const generate = { resource: 'goals', action: 'generate', data: { description: 'Book demos with inbound leads.' } };

  it('replays the suggestion without a second LLM call', async () => {
    const h = await createHarness({ env: llm.env });
    const user = await h.makeUser();
    const first = await user.invoke(generate, withKey('gen-1'));
    const second = await user.invoke(generate, withKey('gen-1'));
    expect(first.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(llm.fake.requests).toHaveLength(1);
  });

  it('frees the key after a 502, so the retry asks the model again', async () => {
    const h = await createHarness({ env: llm.env });
    const user = await h.makeUser();
    llm.fake.enqueue(failure(400, {}, 'bad request'));
    const failed = await user.invoke(generate, withKey('gen-2'));
    const retried = await user.invoke(generate, withKey('gen-2'));
    expect(failed.status).toBe(502);
    expect(retried.status).toBe(200);
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
    expect(llm.fake.requests).toHaveLength(2);
  });

  it('does not spend the generate budget on a replay', async () => {
    const h = await createHarness({ env: { ...llm.env, GENERATE_PER_MINUTE: '2' } });
    const user = await h.makeUser();
    expect((await user.invoke(generate, withKey('gen-3'))).status).toBe(200);
    expect((await user.invoke(generate, withKey('gen-3'))).status).toBe(200);
    expect((await user.invoke(generate, withKey('gen-4'))).status).toBe(200);
    expect((await user.invoke(generate, withKey('gen-5'))).status).toBe(429);
    expect(llm.fake.requests).toHaveLength(2);
  });

  it('answers a duplicate with 409 retryable while the model is still thinking, and serves others meanwhile', async () => {
    const h = await createHarness({ env: llm.env });
    const user = await h.makeUser();
    let answer: (a: Answer) => void = () => undefined;
    llm.fake.enqueue(new Promise<Answer>((resolve) => (answer = resolve)));

    const first = user.invoke(generate, withKey('gen-6'));
    await llm.fake.waitForRequests(1);
    const duplicate = await user.invoke(generate, withKey('gen-6'));
    const meanwhile = await user.invoke({ resource: 'agents', action: 'create', data: { name: 'Not blocked' } });
    answer(completion(DRAFT));
    const done = await first;
    const replay = await user.invoke(generate, withKey('gen-6'));

    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error).toMatchObject({ code: 'CONFLICT', retryable: true });
    expect(meanwhile.status).toBe(201);
    expect(done.status).toBe(200);
    expect(replay.body).toEqual(done.body);
    expect(llm.fake.requests).toHaveLength(1);
  });
});
