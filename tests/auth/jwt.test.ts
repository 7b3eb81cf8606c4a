import { sign } from 'hono/jwt';
import { describe, expect, it } from 'vitest';
import { createHarness, snapshot, type AnyBody, type Reply, type TestUser } from '../support/harness.js';
import { expectError, expectOk } from '../support/expect.js';

const SECRET = 'test-secret-that-is-long-enough-for-hs256';
const h = await createHarness({ env: { JWT_SECRET: SECRET } });
// Any user's invoke with an explicit token: the key of this user is never used.
const caller: TestUser = await h.makeUser();

const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;
const hs256 = (claims: Record<string, unknown>, secret = SECRET) => sign({ exp: inAnHour(), ...claims }, secret, 'HS256');
const as = (token: string, envelope: unknown) => caller.invoke(envelope, { token });
const listGoals = { resource: 'goals', action: 'list', data: {} };
const userRow = (id: string) => h.db.kysely.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();

const b64url = (value: unknown) => btoa(JSON.stringify(value)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** The 401 body without what differs per request. */
const unauthorizedBody = (reply: Reply<AnyBody>) => {
  expectError(reply, 401, 'UNAUTHORIZED');
  return { ...reply.body, error: { ...reply.body.error, request_id: '<id>' } };
};

describe('JWT sessions (HS256 with JWT_SECRET)', () => {
  it('authenticate a valid token and create the user on first sight with its email and name', async () => {
    const sub = `user-${crypto.randomUUID()}`;
    expect(await userRow(sub)).toBeUndefined();
    const token = await hs256({ sub, email: `${sub}@example.com`, name: 'Sam' });
    expectOk(await as(token, listGoals));
    expect(await userRow(sub)).toMatchObject({ id: sub, email: `${sub}@example.com`, name: 'Sam', is_admin: 0 });
  });

  it('act as the user named by sub, with every scope', async () => {
    const sub = crypto.randomUUID();
    const token = await hs256({ sub });
    const agent = expectOk(await as(token, { resource: 'agents', action: 'create', data: { name: 'Web agent' } }), 201);
    const goal = expectOk(await as(token, { resource: 'goals', action: 'create', data: { agent_id: agent.id, name: 'G' } }), 201);
    const row = await h.db.kysely.selectFrom('goals').select('owner_id').where('id', '=', goal.id).executeTakeFirstOrThrow();
    expect(row.owner_id).toBe(sub);
    expect(expectOk(await as(token, { resource: 'goals', action: 'list', data: {} })).count).toBe(1);
    expectError(await caller.invoke({ resource: 'goals', action: 'get', id: goal.id }), 404, 'NOT_FOUND');
  });

  it('refresh the email and name from later tokens, and keep them when a token leaves them out', async () => {
    const sub = crypto.randomUUID();
    expectOk(await as(await hs256({ sub, email: `${sub}@a.example`, name: 'Old' }), listGoals));
    expectOk(await as(await hs256({ sub, email: `${sub}@b.example`, name: 'New' }), listGoals));
    expect(await userRow(sub)).toMatchObject({ email: `${sub}@b.example`, name: 'New' });
    expectOk(await as(await hs256({ sub }), listGoals));
    expect(await userRow(sub)).toMatchObject({ email: `${sub}@b.example`, name: 'New' });
  });

  it("do not take another user's email: the row keeps no email and the session still works", async () => {
    const sub = crypto.randomUUID();
    expectOk(await as(await hs256({ sub, email: caller.email, name: 'Impostor' }), listGoals));
    expect(await userRow(sub)).toMatchObject({ email: null, name: 'Impostor' });
    expect(await userRow(caller.id)).toMatchObject({ email: caller.email });
  });

  it('grant admin mode with role "admin", and refuse it (403) otherwise', async () => {
    const sub = crypto.randomUUID();
    const admin = expectOk(await as(await hs256({ sub, role: 'admin' }), { ...listGoals, admin: true }));
    expect(admin).toHaveProperty('count');
    for (const role of [undefined, 'user', 'Admin']) {
      const error = expectError(await as(await hs256({ sub, ...(role ? { role } : {}) }), { ...listGoals, admin: true }), 403, 'FORBIDDEN');
      expect(error.message).toBe('Admin mode needs the admin role.');
    }
  });

  it('give the admin role to a user flagged admin, without the claim', async () => {
    const admin = await h.makeUser({ admin: true });
    expectOk(await as(await hs256({ sub: admin.id }), { ...listGoals, admin: true }));
  });

  describe('return the one 401 UNAUTHORIZED body, creating no user,', () => {
    const now = () => Math.floor(Date.now() / 1000);
    const cases: [string, (sub: string) => Promise<string>][] = [
      ['without exp', (sub) => sign({ sub }, SECRET, 'HS256')],
      ['when expired', (sub) => sign({ sub, exp: now() - 10 }, SECRET, 'HS256')],
      ['with exp that is not a number', (sub) => sign(JSON.parse(JSON.stringify({ sub, exp: String(inAnHour()) })), SECRET, 'HS256')],
      ['before nbf', (sub) => hs256({ sub, nbf: now() + 600 })],
      ['without sub', () => hs256({ email: 'nobody@example.com' })],
      ['with an empty sub', () => hs256({ sub: '' })],
      ['signed with another secret', (sub) => hs256({ sub }, 'another-secret-of-sufficient-length!!')],
      ['signed with HS512 (the algorithm is pinned)', (sub) => sign({ sub, exp: inAnHour() }, SECRET, 'HS512')],
      ['with alg none', async (sub) => `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ sub, exp: inAnHour() })}.`],
      [
        'with a payload changed after signing',
        async (sub) => {
          const [header, , signature] = (await hs256({ sub })).split('.');
          return `${header}.${b64url({ sub, exp: inAnHour(), role: 'admin' })}.${signature}`;
        },
      ],
      ['that is not JSON inside', async () => 'e30.bm90LWpzb24.c2ln'],
      ['as RS256 when no JWKS_URL is set', async (sub) => `${b64url({ alg: 'RS256', typ: 'JWT', kid: 'k' })}.${b64url({ sub, exp: inAnHour() })}.c2ln`],
    ];
    it.each(cases)('%s', async (_name, make) => {
      const sub = crypto.randomUUID();
      const token = await make(sub);
      const reference = unauthorizedBody(await as(`gp_${'z'.repeat(43)}`, listGoals));
      const before = await snapshot(h);
      expect(unauthorizedBody(await as(token, { ...listGoals, admin: true }))).toEqual(reference);
      expect(await snapshot(h)).toEqual(before);
    });
  });
});

describe('JWT sessions without JWT_SECRET', () => {
  it('are refused with 401 UNAUTHORIZED even when well signed', async () => {
    const plain = await createHarness();
    const user = await plain.makeUser();
    const token = await hs256({ sub: crypto.randomUUID() });
    expectError(await user.invoke(listGoals, { token }), 401, 'UNAUTHORIZED');
  });
});
