import { sign } from 'hono/jwt';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/platform/logger.js';
import { createHarness, snapshot } from '../support/harness.js';
import { expectError, expectOk } from '../support/expect.js';

// Node only: the identity provider is a fetch injected through deps, and the key cache follows
// the injected TestClock.
const JWKS_URL = 'https://idp.example.test/.well-known/jwks.json';

interface SigningKey {
  kid: string;
  privateJwk: JsonWebKey & { kid: string; alg: 'RS256' };
  publicJwk: JsonWebKey & { kid: string; alg: 'RS256'; use: 'sig' };
}

async function rsaKey(kid: string): Promise<SigningKey> {
  const pair = await crypto.subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  );
  const privateJwk = { ...(await crypto.subtle.exportKey('jwk', pair.privateKey)), kid, alg: 'RS256' as const };
  const publicJwk = { ...(await crypto.subtle.exportKey('jwk', pair.publicKey)), kid, alg: 'RS256' as const, use: 'sig' as const };
  return { kid, privateJwk, publicJwk };
}

/** A tiny identity provider: serves the published keys as a real JWKS document and counts fetches. */
function identityProvider(published: SigningKey[]) {
  const state = { keys: published, fetches: 0, failWith: 0 };
  const fetchJwks = (async (input: RequestInfo | URL) => {
    const url = input instanceof Request ? input.url : String(input);
    if (url !== JWKS_URL) return new Response('not found', { status: 404 });
    state.fetches += 1;
    if (state.failWith) return new Response('unavailable', { status: state.failWith });
    return Response.json({ keys: state.keys.map((k) => k.publicJwk) });
  }) as typeof fetch;
  return { state, fetchJwks };
}

const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;
const ISSUER = 'https://idp.example.test/';
const AUDIENCE = 'goalpost';
const rs256 = (key: SigningKey, claims: Record<string, unknown>) =>
  sign({ exp: inAnHour(), iss: ISSUER, aud: AUDIENCE, ...claims }, key.privateJwk);
const listGoals = { resource: 'goals', action: 'list', data: {} };

async function setup() {
  const current = await rsaKey('key-1');
  const idp = identityProvider([current]);
  const logs: { level: string; msg: string }[] = [];
  const logger = createLogger('debug', (line) => logs.push(JSON.parse(line) as { level: string; msg: string }));
  const h = await createHarness({ env: { JWKS_URL, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE }, deps: { fetch: idp.fetchJwks, logger } });
  const caller = await h.makeUser();
  const as = (token: string, envelope: unknown = listGoals) => caller.invoke(envelope, { token });
  return { h, idp, current, as, logs };
}

describe('JWT sessions from a JWKS provider (RS256)', () => {
  it('authenticate a token signed with a published key and create the user on first sight', async () => {
    const { h, current, as } = await setup();
    const sub = crypto.randomUUID();
    expectOk(await as(await rs256(current, { sub, email: `${sub}@idp.example`, email_verified: true, name: 'Ria' })));
    const row = await h.db.kysely.selectFrom('users').selectAll().where('id', '=', sub).executeTakeFirst();
    expect(row).toMatchObject({ email: `${sub}@idp.example`, name: 'Ria' });
  });

  it('store no email the provider has not verified, so it cannot claim keys issued by email', async () => {
    const { h, current, as } = await setup();
    const victim = await h.makeUser({ email: 'ceo@corp.example' });
    expectOk(await as(await rs256(current, { sub: 'idp|mallory', email: 'ceo@corp.example', name: 'Mallory' })));
    expectOk(await as(await rs256(current, { sub: 'idp|eve', email: 'eve@corp.example', email_verified: false })));
    const rows = await h.db.kysely.selectFrom('users').select(['id', 'email']).where('id', 'in', ['idp|mallory', 'idp|eve', victim.id]).orderBy('id').execute();
    expect(rows).toEqual([
      { id: 'idp|eve', email: null },
      { id: 'idp|mallory', email: null },
      { id: victim.id, email: 'ceo@corp.example' },
    ].sort((a, b) => (a.id < b.id ? -1 : 1)));
  });

  it('grant admin mode for role "admin" only', async () => {
    const { current, as } = await setup();
    expectOk(await as(await rs256(current, { sub: 'idp|admin', role: 'admin' }), { ...listGoals, admin: true }));
    expectError(await as(await rs256(current, { sub: 'idp|user' }), { ...listGoals, admin: true }), 403, 'FORBIDDEN');
  });

  it('fetch the key set once and reuse it for ten minutes', async () => {
    const { h, idp, current, as } = await setup();
    for (let i = 0; i < 3; i += 1) expectOk(await as(await rs256(current, { sub: `u${i}` })));
    expect(idp.state.fetches).toBe(1);
    h.clock.advance(10 * 60_000 + 1);
    expectOk(await as(await rs256(current, { sub: 'u3' })));
    expect(idp.state.fetches).toBe(2);
  });

  it('accept a token of a newly rotated key before the cache expires', async () => {
    const { h, idp, current, as } = await setup();
    expectOk(await as(await rs256(current, { sub: 'before-rotation' })));
    const next = await rsaKey('key-2');
    idp.state.keys = [current, next];
    h.clock.advance(60_000);
    expectOk(await as(await rs256(next, { sub: 'after-rotation' })));
  });

  it('refetch for an unknown kid at most once per 30 seconds', async () => {
    const { h, idp, current, as } = await setup();
    expectOk(await as(await rs256(current, { sub: 'warm' })));
    const stranger = await rsaKey('not-published');
    for (let i = 0; i < 5; i += 1) expectError(await as(await rs256(stranger, { sub: 'x' })), 401, 'UNAUTHORIZED');
    expect(idp.state.fetches).toBe(1);
    h.clock.advance(30_000);
    for (let i = 0; i < 5; i += 1) expectError(await as(await rs256(stranger, { sub: 'x' })), 401, 'UNAUTHORIZED');
    expect(idp.state.fetches).toBe(2);
  });

  describe('return 401 UNAUTHORIZED, creating no user,', () => {
    const cases: [string, (k: SigningKey) => Promise<string>][] = [
      ['for a key the provider does not publish', async () => rs256(await rsaKey('key-1'), { sub: 'forged' })],
      ['without exp', (k) => sign({ sub: 'no-exp' }, k.privateJwk)],
      ['when expired', (k) => sign({ sub: 'old', exp: Math.floor(Date.now() / 1000) - 5 }, k.privateJwk)],
      ['for an HS256 token when no JWT_SECRET is set', () => sign({ sub: 'hs', exp: inAnHour() }, 'some-secret', 'HS256')],
      ['from another issuer of the same provider', (k) => rs256(k, { sub: 'elsewhere', iss: 'https://other.example.test/' })],
      ['for another audience', (k) => rs256(k, { sub: 'other-app', aud: 'another-app' })],
      ['without an audience', (k) => sign({ sub: 'no-aud', exp: inAnHour(), iss: ISSUER }, k.privateJwk)],
      ['without a kid', (k) => sign({ sub: 'no-kid', exp: inAnHour() }, { ...k.privateJwk, kid: undefined } as unknown as JsonWebKey)],
    ];
    it.each(cases)('%s', async (_name, make) => {
      const { h, current, as } = await setup();
      const token = await make(current);
      const before = await snapshot(h);
      const error = expectError(await as(token), 401, 'UNAUTHORIZED');
      expect(error.message).toBe('Missing or invalid credentials.');
      expect(await snapshot(h)).toEqual(before);
    });

    it('when the provider cannot be reached (logged for operators), and recover once it can', async () => {
      const { h, idp, current, as, logs } = await setup();
      idp.state.failWith = 503;
      expectError(await as(await rs256(current, { sub: 'down' })), 401, 'UNAUTHORIZED');
      expect(logs).toContainEqual(expect.objectContaining({ level: 'warn', msg: expect.stringContaining('JWKS unavailable') }));
      idp.state.failWith = 0;
      h.clock.advance(60_000);
      expectOk(await as(await rs256(current, { sub: 'up' })));
    });
  });
});
