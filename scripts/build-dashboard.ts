import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import type { AdminAsset, AdminAssets } from '../src/http/admin.js';

const root = new URL('../', import.meta.url).pathname;
export const DASHBOARD_DIR = join(root, 'dist/dashboard');
/** The Worker imports the same asset map as a module (git-ignored; its types are in the .d.ts beside it). */
export const WORKER_MODULE = join(root, 'src/http/admin-assets.built.js');

const asset = (body: string, contentType: string): AdminAsset => ({
  body,
  contentType,
  etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
});

/**
 * Writes through a temporary name, so a reader (another test file building at once) never sees half
 * a file; an unchanged file is left alone, so watchers (wrangler dev) see no change.
 */
function writeAtomically(path: string, text: string): void {
  if (existsSync(path) && readFileSync(path, 'utf8') === text) return;
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

export interface DashboardBuild {
  assets: AdminAssets;
  /** Every file gzipped at level 9, summed: what a browser downloads on the first visit. */
  gzipBytes: number;
}

/**
 * Bundles src/dashboard/main.ts for browsers and writes dist/dashboard/ (the files, plus assets.json
 * that the Node server reads) and the Worker's module. Tests call it too, so a fresh clone needs no step.
 */
export async function buildDashboard(): Promise<DashboardBuild> {
  const src = join(root, 'src/dashboard');
  const bundle = await build({
    entryPoints: [join(src, 'main.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    write: false,
    logLevel: 'error',
  });
  const js = bundle.outputFiles[0]?.text;
  if (js === undefined) throw new Error('esbuild produced no dashboard bundle');
  const assets: Record<string, AdminAsset> = {
    'index.html': asset(readFileSync(join(src, 'index.html'), 'utf8'), 'text/html; charset=utf-8'),
    'app.js': asset(js, 'text/javascript; charset=utf-8'),
    'app.css': asset(readFileSync(join(src, 'app.css'), 'utf8'), 'text/css; charset=utf-8'),
  };
  mkdirSync(DASHBOARD_DIR, { recursive: true });
  for (const [name, file] of Object.entries(assets)) writeAtomically(join(DASHBOARD_DIR, name), file.body);
  const json = JSON.stringify(assets);
  writeAtomically(join(DASHBOARD_DIR, 'assets.json'), json);
  writeAtomically(WORKER_MODULE, `// Built by scripts/build-dashboard.ts; do not edit.\nexport const adminAssets = ${json};\n`);
  const gzipBytes = Object.values(assets).reduce((sum, file) => sum + gzipSync(file.body, { level: 9 }).length, 0);
  return { assets, gzipBytes };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { assets, gzipBytes } = await buildDashboard();
  console.log(`dashboard: ${Object.keys(assets).join(', ')} in dist/dashboard, ${(gzipBytes / 1024).toFixed(1)} KiB gzipped`);
}
