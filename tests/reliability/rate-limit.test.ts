import { describe, expect, it } from 'vitest';
import { createHarness, snapshot } from '../support/harness.js';
import { expectErrorBody } from './support/contract.js';

const LIMIT = 5;
const setup = async () => {
  const h = await createHarness({ env: { RATE_LIMIT_PER_MINUTE: String(LIMIT) } });
  return { h, user: await h.makeUser() };
};
const list = { resource: 'agents', action: 'list' };

/** `"default";r=3;t=42` → { r: 3, t: 42 } */
const fieldsOf = (header: string | null): Record<string, number> =>
  Object.fromEntries((header ?? '').split(';').slice(1).map((part) => {
    const [k, v] = part.split('=');
    return [k ?? '', Number(v)];
  }));

describe('rate limiting per principal', () => {
  it('announces the policy and the remaining budget on every answer', async () => {
    const { user } = await setup();
    const remaining: number[] = [];
    for (let i = 0; i < LIMIT; i += 1) {
      const reply = await user.invoke(list);
      expect(reply.status).toBe(200);
      expect(reply.headers.get('ratelimit-policy')).toBe(`"default";q=${LIMIT};w=60`);
      expect(reply.headers.get('ratelimit')).toMatch(/^"default";r=\d+;t=\d+$/);
      remaining.push(fieldsOf(reply.headers.get('ratelimit')).r ?? -1);
    }
    expect(remaining).toEqual([4, 3, 2, 1, 0]);
  });

  it('answers 429 RATE_LIMITED with Retry-After and RateLimit headers once the budget is spent, and changes nothing', async () => {
    const { h, user } = await setup();
    for (let i = 0; i < LIMIT; i += 1) await user.invoke(list);
    const before = await snapshot(h);

    const reply = await user.invoke({ resource: 'agents', action: 'create', data: { name: 'One too many' } });

    expect(reply.status).toBe(429);
    expectErrorBody(reply.body, 429);
    expect(reply.body.error).toMatchObject({ code: 'RATE_LIMITED', retryable: true });
    const retryAfter = Number(reply.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
    expect(reply.headers.get('ratelimit-policy')).toBe(`"default";q=${LIMIT};w=60`);
    expect(fieldsOf(reply.headers.get('ratelimit'))).toEqual({ r: 0, t: retryAfter });
    expect(await snapshot(h)).toEqual(before);
  });

  it('lets the caller in again once Retry-After has passed', async () => {
    const { h, user } = await setup();
    for (let i = 0; i < LIMIT; i += 1) await user.invoke(list);
    const refused = await user.invoke(list);
    h.clock.advance(Number(refused.headers.get('retry-after')) * 1000);
    const again = await user.invoke(list);
    expect(again.status).toBe(200);
    expect(fieldsOf(again.headers.get('ratelimit')).r).toBe(LIMIT - 1);
  });

  it("counts each user on their own: one user's spent budget does not touch another's", async () => {
    const { h, user } = await setup();
    const other = await h.makeUser();
    for (let i = 0; i < LIMIT; i += 1) await user.invoke(list);
    expect((await user.invoke(list)).status).toBe(429);
    expect((await other.invoke(list)).status).toBe(200);
  });

  it("shares one budget between a user's API keys", async () => {
    const { h, user } = await setup();
    const secondKey = await h.makeUser({ email: user.email });
    for (let i = 0; i < LIMIT; i += 1) await user.invoke(list);
    expect((await secondKey.invoke(list)).status).toBe(429);
  });

  it('charges a batch one request per item and runs none of it when the budget is short', async () => {
    const { h, user } = await setup();
    await user.invoke(list);
    await user.invoke(list);
    const before = await snapshot(h);
    const batch = Array.from({ length: 4 }, (_, i) => ({ resource: 'agents', action: 'create', data: { name: `Batch ${i}` } }));
    const reply = await user.invoke(batch);
    expect(reply.status).toBe(429);
    expect(await snapshot(h)).toEqual(before);
  });

  it('answers 401 before 429, and 429 before a malformed body', async () => {
    const { user } = await setup();
    for (let i = 0; i < LIMIT; i += 1) await user.invoke(list);
    expect((await user.invoke(list, { token: 'nonsense' })).status).toBe(401);
    expect((await user.invoke('{not json')).status).toBe(429);
  });

  it('does not limit when RATE_LIMIT_PER_MINUTE is 0, and sends no RateLimit headers then', async () => {
    const h = await createHarness({ env: { RATE_LIMIT_PER_MINUTE: '0' } });
    const user = await h.makeUser();
    for (let i = 0; i < 20; i += 1) {
      const reply = await user.invoke(list);
      expect(reply.status).toBe(200);
      expect(reply.headers.get('ratelimit')).toBeNull();
    }
  });
});
