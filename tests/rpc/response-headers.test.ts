import { describe, expect, it } from 'vitest';
import { createHarness } from '../support/harness.js';

const h = await createHarness();
const user = await h.makeUser();

/** The OWASP REST set of DESIGN section 10, less Cache-Control (the catalog sets its own). */
const SECURITY = {
  'content-security-policy': "frame-ancestors 'none'",
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

/** hono's HTML-oriented extras, which an API answer does not need. */
const DROPPED = [
  'cross-origin-opener-policy',
  'cross-origin-resource-policy',
  'origin-agent-cluster',
  'x-dns-prefetch-control',
  'x-download-options',
  'x-permitted-cross-domain-policies',
  'x-xss-protection',
];

const invoke = (body: string, token: string | null = user.key) =>
  h.request('/invoke', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body,
  });

const security = (res: Response) => Object.fromEntries(Object.keys(SECURITY).map((name) => [name, res.headers.get(name)]));
const dropped = (res: Response) => DROPPED.filter((name) => res.headers.has(name));

describe('common response headers', () => {
  it('are the OWASP REST set, the same on answers built by the API and on every other response', async () => {
    const responses = {
      success: await invoke(JSON.stringify({ resource: 'goals', action: 'list' })),
      created: await invoke(JSON.stringify({ resource: 'agents', action: 'create', data: { name: 'A' } })),
      invalid: await invoke('{'),
      unauthorized: await invoke('{}', null),
      wrongMethod: await h.request('/invoke', { method: 'GET' }),
      unknownRoute: await h.request('/nope'),
      health: await h.request('/health'),
      catalog: await h.request('/schema'),
    };
    for (const [kind, res] of Object.entries(responses)) {
      expect({ kind, headers: security(res), dropped: dropped(res) }).toEqual({ kind, headers: SECURITY, dropped: [] });
      expect(res.headers.get('x-request-id')).toMatch(/^[A-Za-z0-9._:-]+$/);
    }
  });

  it('mark every answer of POST /invoke, success or error, as not cacheable JSON', async () => {
    for (const res of [
      await invoke(JSON.stringify({ resource: 'goals', action: 'list' })),
      await invoke('{'),
      await invoke('{}', null),
    ]) {
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    }
  });

  it('mark every other answer not cacheable, except the catalog, which is public for 5 minutes', async () => {
    for (const res of [await h.request('/health'), await h.request('/nope'), await h.request('/invoke', { method: 'GET' })]) {
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
    for (const path of ['/schema', '/openapi.json']) {
      expect((await h.request(path)).headers.get('cache-control')).toBe('public, max-age=300');
    }
  });

  it('keep an error’s own headers (Allow on 405)', async () => {
    const res = await h.request('/invoke', { method: 'PUT' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });
});
