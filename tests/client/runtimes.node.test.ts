import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness } from '../support/harness.js';
import { wranglerSettings } from '../support/miniflare.js';
import { serveHarness, type Listening } from './support.js';

// The client bundled as a browser app and as a Worker would bundle it, then run inside workerd.
const h = await createHarness();
let server: Listening;
let key = '';
beforeAll(async () => {
  server = await serveHarness(h);
  key = (await h.makeUser()).key;
});
afterAll(() => server.close());

/** A Worker whose fetch handler calls Goalpost through the client and returns what it got. */
const workerSource = `
import { createClient } from './src/client/index.ts';
export default {
  async fetch(request, env) {
    const client = createClient({ baseUrl: env.BASE_URL, getToken: () => env.KEY });
    const created = await client.invoke({ resource: 'agents', action: 'create', data: { name: 'From a Worker' } });
    const batch = await client.batch([{ resource: 'agents', action: 'get', id: created.data.id }]);
    return Response.json({ created, batch });
  },
};
`;

const bundle = (platform: 'browser' | 'neutral', conditions: string[], contents: string) =>
  build({
    stdin: { contents, resolveDir: process.cwd(), sourcefile: 'entry.js', loader: 'js' },
    bundle: true,
    format: 'esm',
    platform,
    conditions,
    minify: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });

describe('goalpost/client in other runtimes', () => {
  it('bundles for the browser from its own files only, small', async () => {
    const result = await bundle('browser', ['browser'], "export * from './src/client/index.ts';");
    const inputs = Object.keys(result.metafile.inputs).filter((i) => i !== 'entry.js');
    expect(inputs.length).toBeGreaterThan(0);
    for (const input of inputs) expect(input).toMatch(/^src\/client\/[a-z-]+\.ts$/);
    const gzipped = gzipSync(result.outputFiles[0]?.contents ?? new Uint8Array()).length;
    expect(gzipped).toBeLessThan(4 * 1024);
  });

  it('runs inside workerd against the real server', async () => {
    const result = await bundle('neutral', ['workerd', 'worker', 'browser'], workerSource);
    const mf = new Miniflare({
      modules: true,
      script: result.outputFiles[0]?.text ?? '',
      compatibilityDate: wranglerSettings().compatibilityDate,
      bindings: { BASE_URL: server.url, KEY: key },
      cf: false,
    });
    try {
      const res = await mf.dispatchFetch('http://worker.test/');
      const body = (await res.json()) as { created: { success: boolean; data: { id: string } }; batch: unknown };
      expect(body.created).toMatchObject({ success: true, data: { name: 'From a Worker' } });
      expect(body.batch).toEqual({ success: true, data: [{ success: true, data: body.created.data }] });
    } finally {
      await mf.dispose();
    }
  });
});
