import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type BuildOptions } from 'esbuild';
import type { TestProject } from 'vitest/node';
import { buildDashboard } from '../../scripts/build-dashboard.js';

export interface WorkerBundle {
  /** The bundled test entry (src/worker.ts behind a test clock), one ES module. */
  path: string;
  /** Every source file that went into it, relative to the project root. */
  inputs: string[];
  /** src/worker.ts alone, minified as wrangler.toml asks, gzipped: close to `npm run size:worker`. */
  deployGzipBytes: number;
}

declare module 'vitest' {
  interface ProvidedContext {
    workerBundle: WorkerBundle;
  }
}

/**
 * Global setup of the `worker` project: bundles the Worker once per run, as wrangler would
 * (neutral platform, workerd conditions, no Node built-ins), for every test file's Miniflare.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // The Worker embeds the dashboard's built files: a fresh clone has none yet.
  await buildDashboard();
  const dir = await mkdtemp(join(tmpdir(), 'goalpost-worker-'));
  const path = join(dir, 'worker.js');
  const common: BuildOptions = {
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['browser', 'module', 'main'],
    conditions: ['workerd', 'worker', 'browser'],
    target: 'es2022',
    logLevel: 'error',
  };
  const [tested, deployed] = await Promise.all([
    build({ ...common, entryPoints: ['tests/support/worker-entry.ts'], outfile: path, metafile: true }),
    build({ ...common, entryPoints: ['src/worker.ts'], minify: true, write: false }),
  ]);
  const code = deployed.outputFiles?.[0]?.contents ?? new Uint8Array();
  project.provide('workerBundle', {
    path,
    inputs: Object.keys(tested.metafile?.inputs ?? {}),
    deployGzipBytes: gzipSync(code, { level: 9 }).length,
  });
  return () => rm(dir, { recursive: true, force: true });
}
