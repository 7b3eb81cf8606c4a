import type { Context, Hono } from 'hono';
import { catalogDocuments } from '../rpc/catalog.js';
import type { HttpEnv } from './edge.js';

// The catalog describes the API and holds no data: no credentials, readable from any origin,
// cacheable (its own Cache-Control wins over the default no-store).
const document = (c: Context<HttpEnv>, json: string) => {
  c.header('Access-Control-Allow-Origin', '*');
  c.header('Cache-Control', 'public, max-age=300');
  return c.body(json, 200, { 'Content-Type': 'application/json; charset=UTF-8' });
};

/** GET /schema and GET /openapi.json, generated from the registry. */
export function catalogRoutes(app: Hono<HttpEnv>): void {
  app.get('/schema', (c) => document(c, catalogDocuments().catalogJson));
  app.get('/openapi.json', (c) => document(c, catalogDocuments().openapiJson));
}
