import type { Context, Hono } from 'hono';
import { ApiError } from '../rpc/errors.js';
import { fail, type HttpEnv } from './edge.js';

/** One built file of the dashboard, ready to send. */
export interface AdminAsset {
  body: string;
  contentType: string;
  /** A strong validator computed at build time from the body. */
  etag: string;
}

/** The dashboard's built files by name (`index.html`, `app.js`, `app.css`), made by `npm run build`. */
export type AdminAssets = Readonly<Record<string, AdminAsset>>;

/**
 * The dashboard's own policy: its script and style come from this origin only, it talks only to this
 * origin, and nothing may frame it. No inline script or style is allowed anywhere.
 */
export const ADMIN_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const isAsset = (value: unknown): value is AdminAsset =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Record<string, unknown>).body === 'string' &&
  typeof (value as Record<string, unknown>).contentType === 'string' &&
  typeof (value as Record<string, unknown>).etag === 'string';

/** Checks a parsed asset manifest (dist/dashboard/assets.json) before the app trusts it. */
export function parseAdminAssets(value: unknown): AdminAssets {
  if (typeof value !== 'object' || value === null || !isAsset((value as Record<string, unknown>)['index.html'])) {
    throw new Error('The dashboard manifest has no index.html: rebuild it with `npm run build`.');
  }
  const assets: Record<string, AdminAsset> = {};
  for (const [name, asset] of Object.entries(value)) {
    if (!isAsset(asset)) throw new Error(`The dashboard manifest entry ${name} is malformed: rebuild it with \`npm run build\`.`);
    assets[name] = asset;
  }
  return assets;
}

/**
 * GET /admin (the page) and GET /admin/<file> (its script and style), from an asset map the
 * composition root injects: files read at start-up on Node, a module built into the Worker.
 */
export function adminRoutes(app: Hono<HttpEnv>, assets: AdminAssets | undefined): void {
  const send = (c: Context<HttpEnv>, name: string) => {
    const asset = assets?.[name];
    if (!asset) {
      const message = assets ? `No dashboard file ${name}.` : 'The admin dashboard is not built on this server: run `npm run build`.';
      return fail(c, new ApiError('NOT_FOUND', message));
    }
    // The common security headers are added after this; this page's CSP replaces the API's.
    const headers = { 'Content-Type': asset.contentType, 'Content-Security-Policy': ADMIN_CSP, 'Cache-Control': 'no-cache', ETag: asset.etag };
    if (c.req.header('if-none-match') === asset.etag) return c.body(null, 304, headers);
    return c.body(asset.body, 200, headers);
  };
  app.get('/admin', (c) => send(c, 'index.html'));
  app.get('/admin/', (c) => c.redirect('/admin', 301));
  app.get('/admin/:file{[a-z0-9.-]+}', (c) => {
    const file = c.req.param('file');
    return send(c, file === 'index.html' ? '' : file);
  });
}
