import { describe, expect, it } from 'vitest';
import { buildDashboard } from '../../scripts/build-dashboard.js';
import { ADMIN_CSP } from '../../src/http/admin.js';
import { createHarness, target } from '../support/harness.js';

// The Worker embeds the same build (its bundle is made after the same function ran).
const built = await buildDashboard();
const h = await createHarness(target === 'node' ? { deps: { adminAssets: built.assets } } : {});

const get = (path: string, headers: Record<string, string> = {}) => h.request(path, { headers });

describe('GET /admin', () => {
  it('serves the dashboard page with its own strict CSP and the common security headers', async () => {
    const res = await get('/admin');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toBe(ADMIN_CSP);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('x-request-id')).toMatch(/.+/);
    const html = await res.text();
    expect(html).toContain('<script type="module" src="/admin/app.js"></script>');
  });

  it('holds no inline script, no inline style and no other host in any of its files', async () => {
    const html = built.assets['index.html']?.body ?? '';
    expect(html.match(/<script\b[^>]*>/g)).toEqual(['<script type="module" src="/admin/app.js">']);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    for (const [name, file] of Object.entries(built.assets)) {
      // The SVG namespace is a name, not a request.
      const hosts = (file.body.match(/(https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}[^"'\s]*/gi) ?? []).filter((u) => u !== 'http://www.w3.org/2000/svg');
      expect({ name, hosts }).toEqual({ name, hosts: [] });
    }
  });

  it('serves the script and the style with their types, and answers 304 to a matching ETag', async () => {
    const js = await get('/admin/app.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await js.text()).toBe(built.assets['app.js']?.body);
    const css = await get('/admin/app.css');
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const etag = js.headers.get('etag') ?? '';
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    const again = await get('/admin/app.js', { 'If-None-Match': etag });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
  });

  it('returns 404 NOT_FOUND with the error body for a file the dashboard does not have', async () => {
    const res = await get('/admin/missing.js');
    expect(res.status).toBe(404);
    const body = (await res.json()) as { success: boolean; error: { code: string } };
    expect(body.success).toBe(false);
    expect(body.error.code).toBe('NOT_FOUND');
  });

  it('keeps its assets within 150 KiB gzipped', () => {
    expect(built.gzipBytes).toBeGreaterThan(1000);
    expect(built.gzipBytes).toBeLessThanOrEqual(150 * 1024);
  });
});

describe.runIf(target === 'node')('GET /admin on a server without a build', () => {
  it('returns 404 NOT_FOUND saying how to build the dashboard, and the API still works', async () => {
    const bare = await createHarness();
    const res = await bare.request('/admin');
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('npm run build') });
    expect((await bare.request('/health')).status).toBe(200);
  });
});
