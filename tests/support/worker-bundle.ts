import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { TestProject } from 'vitest/node';

export interface WorkerBundle {
  /** The bundled test entry (src/worker.ts behind a test clock), one ES module. */
  path: string;
  /** Every source file that went into it, relative to the project root. */
  inputs: string[];
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
  const dir = await mkdtemp(join(tmpdir(), 'goalpost-worker-'));
  const path = join(dir, 'worker.js');
  const result = await build({
    entryPoints: ['tests/support/worker-entry.ts'],
    outfile: path,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['browser', 'module', 'main'],
    conditions: ['workerd', 'worker', 'browser'],
    target: 'es2022',
    metafile: true,
    logLevel: 'error',
  });
  project.provide('workerBundle', { path, inputs: Object.keys(result.metafile.inputs) });
  return () => rm(dir, { recursive: true, force: true });
}
