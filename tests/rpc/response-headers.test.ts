import { describe, expect, it } from 'vitest';
import { createHarness } from '../support/harness.js';

const h = await createHarness();
const user = await h.makeUser();

const SECURITY = [
  'cross-origin-opener-policy',
  'cross-origin-resource-policy',
  'origin-agent-cluster',
  'referrer-policy',
  'strict-transport-security',
  'x-content-type-options',
  'x-dns-prefetch-control',
  'x-download-options',
  'x-frame-options',
  'x-permitted-cross-domain-policies',
  'x-xss-protection',
];

const invoke = (body: string, token: string | null = user.key) =>
  h.request('/invoke', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body,
  });

const security = (res: Response) => Object.fromEntries(SECURITY.map((name) => [name, res.headers.get(name)]));

describe('common response headers', () => {
  it('are the same on answers built by the API and on every other response', async () => {
    const responses = {
      success: await invoke(JSON.stringify({ resource: 'goals', action: 'list' })),
      created: await invoke(JSON.stringify({ resource: 'agents', action: 'create', data: { name: 'A' } })),
      invalid: await invoke('{'),
      unauthorized: await invoke('{}', null),
      wrongMethod: await h.request('/invoke', { method: 'GET' }),
      unknownRoute: await h.request('/nope'),
      health: await h.request('/health'),
    };
    const reference = security(responses.success);
    expect(Object.values(reference).every((value) => typeof value === 'string' && value.length > 0)).toBe(true);
    for (const [kind, res] of Object.entries(responses)) {
      expect({ kind, headers: security(res) }).toEqual({ kind, headers: reference });
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

  it('keep an error’s own headers (Allow on 405)', async () => {
    const res = await h.request('/invoke', { method: 'PUT' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });
});
