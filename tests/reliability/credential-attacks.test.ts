import fc from 'fast-check';
import { sign } from 'hono/jwt';
import { describe, expect, it } from 'vitest';
import { revokeKey } from '../../src/auth/store.js';
import { createHarness, type AnyBody } from '../support/harness.js';

const SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';
const KID = 'provider-key-1';
const JWKS_URL = 'https://idp.example.test/.well-known/jwks.json';
const ISSUER = 'https://idp.example.test/';
const AUDIENCE = 'goalpost';

const rsa = () =>
  crypto.subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  );
const provider = await rsa();
const impostor = await rsa();
const publicJwk = { ...(await crypto.subtle.exportKey('jwk', provider.publicKey)), kid: KID, alg: 'RS256', use: 'sig' };
const privateJwk = async (pair: CryptoKeyPair) => ({ ...(await crypto.subtle.exportKey('jwk', pair.privateKey)), kid: KID, alg: 'RS256' });

// The identity provider's JWKS, served to the app through its injected fetch: no network.
const jwksFetch = (async (input: RequestInfo | URL) =>
  String(input) === JWKS_URL ? Response.json({ keys: [publicJwk] }) : new Response('not found', { status: 404 })) as typeof fetch;

const h = await createHarness({ env: { JWT_SECRET: SECRET, JWKS_URL, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE }, deps: { fetch: jwksFetch } });
const user = await h.makeUser();
/** Token times are checked against the wall clock (by hono/jwt), not the injected one. */
const nowSeconds = () => Math.floor(Date.now() / 1000);

const b64url = (data: string | Uint8Array): string => {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};

async function hmac(hash: 'SHA-256' | 'SHA-512', secret: string, text: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash }, false, ['sign']);
  return b64url(new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(text))));
}

/** A token built by hand, so the header can say anything. */
async function handmade(header: Record<string, unknown>, payload: Record<string, unknown>, signWith?: { hash: 'SHA-256' | 'SHA-512'; secret: string }) {
  const unsigned = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  return `${unsigned}.${signWith ? await hmac(signWith.hash, signWith.secret, unsigned) : ''}`;
}

const claims = (extra: Record<string, unknown> = {}) => ({ sub: user.id, exp: nowSeconds() + 3600, iss: ISSUER, aud: AUDIENCE, ...extra });

async function call(authorization: string | null): Promise<{ status: number; body: AnyBody; challenge: string | null }> {
  const res = await h.request('/invoke', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(authorization === null ? {} : { Authorization: authorization }) },
    body: JSON.stringify({ resource: 'agents', action: 'list' }),
  });
  return { status: res.status, body: (await res.json()) as AnyBody, challenge: res.headers.get('www-authenticate') };
}

const THE_401 = {
  success: false,
  error: { code: 'UNAUTHORIZED', message: 'Missing or invalid credentials.', retryable: false, request_id: '<id>' },
};

async function expectThe401(authorization: string | null): Promise<void> {
  const reply = await call(authorization);
  expect(reply.status).toBe(401);
  expect({ ...reply.body, error: { ...reply.body.error, request_id: '<id>' } }).toEqual(THE_401);
  expect(reply.challenge).toBe('Bearer');
}

describe('credentials that work (the controls)', () => {
  it('accepts the API key, an HS256 session and an RS256 session from the JWKS', async () => {
    expect((await call(`Bearer ${user.key}`)).status).toBe(200);
    expect((await call(`Bearer ${await sign(claims(), SECRET, 'HS256')}`)).status).toBe(200);
    expect((await call(`Bearer ${await sign(claims(), await privateJwk(provider), 'RS256')}`)).status).toBe(200);
  });
});

describe('credential attacks all get the one identical 401 body', () => {
  const cases: [string, () => Promise<string | null>][] = [
    ['no Authorization header', async () => null],
    ['"Bearer " with nothing', async () => 'Bearer '],
    ['"Bearer" alone', async () => 'Bearer'],
    ['Basic credentials', async () => `Basic ${btoa('admin:admin')}`],
    ['the API key under Basic', async () => `Basic ${user.key}`],
    ['the API key without a scheme', async () => user.key],
    ['the API key with a character changed', async () => `Bearer ${user.key.slice(0, -1)}${user.key.endsWith('A') ? 'B' : 'A'}`],
    ['the API key with a space inside the header', async () => `Bearer  ${user.key}`],
    ['a well-formed key that was never issued', async () => `Bearer gp_${'Z'.repeat(43)}`],
    ['alg none', async () => `Bearer ${await handmade({ alg: 'none', typ: 'JWT' }, claims())}`],
    ['alg None with a signature', async () => `Bearer ${await handmade({ alg: 'None', typ: 'JWT' }, claims(), { hash: 'SHA-256', secret: SECRET })}`],
    ['HS512 with the right secret', async () => `Bearer ${await sign(claims(), SECRET, 'HS512')}`],
    ['RS256 in the header, HMAC with the HS secret as the key', async () =>
      `Bearer ${await handmade({ alg: 'RS256', typ: 'JWT', kid: KID }, claims(), { hash: 'SHA-256', secret: SECRET })}`],
    ['HS256 with the provider public key as the secret', async () => `Bearer ${await sign(claims(), JSON.stringify(publicJwk), 'HS256')}`],
    ['RS256 signed by another key under the same kid', async () => `Bearer ${await sign(claims(), await privateJwk(impostor), 'RS256')}`],
    ['RS256 with an unknown kid', async () => `Bearer ${await sign(claims(), { ...(await privateJwk(provider)), kid: '../../etc/passwd' }, 'RS256')}`],
    ['HS256 with a wrong secret', async () => `Bearer ${await sign(claims(), `${SECRET}x`, 'HS256')}`],
    ['a tampered payload (admin role added)', async () => {
      const [head, , sig] = (await sign(claims(), SECRET, 'HS256')).split('.');
      return `Bearer ${head}.${b64url(JSON.stringify(claims({ role: 'admin' })))}.${sig}`;
    }],
    ['a tampered payload (another user)', async () => {
      const [head, , sig] = (await sign(claims(), SECRET, 'HS256')).split('.');
      return `Bearer ${head}.${b64url(JSON.stringify(claims({ sub: crypto.randomUUID() })))}.${sig}`;
    }],
    ['no exp', async () => `Bearer ${await sign({ sub: user.id, iss: ISSUER, aud: AUDIENCE }, SECRET, 'HS256')}`],
    ['another issuer', async () => `Bearer ${await sign(claims({ iss: 'https://evil.example/' }), SECRET, 'HS256')}`],
    ['another audience', async () => `Bearer ${await sign(claims({ aud: 'another-app' }), SECRET, 'HS256')}`],
    ['exp as a string', async () => `Bearer ${await sign(claims({ exp: String(nowSeconds() + 3600) }) as never, SECRET, 'HS256')}`],
    ['an expired exp', async () => `Bearer ${await sign(claims({ exp: nowSeconds() - 1 }), SECRET, 'HS256')}`],
    ['an nbf in the future', async () => `Bearer ${await sign(claims({ nbf: nowSeconds() + 600 }), SECRET, 'HS256')}`],
    ['no sub', async () => `Bearer ${await sign(claims({ sub: undefined }), SECRET, 'HS256')}`],
    ['two segments', async () => `Bearer ${(await sign(claims(), SECRET, 'HS256')).split('.').slice(0, 2).join('.')}`],
    ['four segments', async () => `Bearer ${await sign(claims(), SECRET, 'HS256')}.x`],
    ['a header that is not JSON', async () => `Bearer ${b64url('{alg')}.${b64url('{}')}.x`],
  ];

  it.each(cases)('%s', async (_label, make) => {
    await expectThe401(await make());
  });

  it('for a revoked key', async () => {
    const victim = await h.makeUser();
    expect((await call(`Bearer ${victim.key}`)).status).toBe(200);
    await revokeKey(h.db, victim.keyId, h.clock.now().toISOString());
    await expectThe401(`Bearer ${victim.key}`);
  });

  it('for a key once it expires', async () => {
    const expiresAt = new Date(h.clock.now().getTime() + 60_000).toISOString();
    const shortLived = await h.makeUser({ expiresAt });
    expect((await call(`Bearer ${shortLived.key}`)).status).toBe(200);
    h.clock.advance(60_000);
    await expectThe401(`Bearer ${shortLived.key}`);
  });

  it('for random header values (500 cases), and none of them creates a user', async () => {
    const users = async () => (await h.db.kysely.selectFrom('users').select('id').execute()).length;
    const before = await users();
    const value = fc.string({ unit: 'binary-ascii', maxLength: 200 }).filter((s) => !/[\r\n\0]/.test(s));
    await fc.assert(
      fc.asyncProperty(fc.oneof(value, value.map((s) => `Bearer ${s}`), value.map((s) => `Bearer gp_${s}`), value.map((s) => `Bearer ${s}.${s}.${s}`)), async (header) => {
        await expectThe401(header);
      }),
      { numRuns: 500, ...(process.env.CI === 'true' ? { seed: 7 } : {}) },
    );
    expect(await users()).toBe(before);
  });
});
