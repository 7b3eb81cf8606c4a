import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sortMigrations } from '../../src/db/migrate.js';
import { readMigrations } from '../../src/db/sqlite.js';
import { invokeHttp, keyIn, startServer, tempDir } from '../support/server-process.js';

// The production path: the built files, the files package.json ships, and the runtime dependencies
// only (no tsx, no typescript, no vitest), run with plain `node`.
const run = promisify(execFile);
const root = new URL('../../', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  files: string[];
  bin: Record<string, string>;
  scripts: Record<string, string>;
};
const app = tempDir('goalpost-production-');
const names = sortMigrations(readMigrations()).map((m) => m.name);

/** Links each runtime dependency and what it needs (never a dev dependency) into the app's node_modules. */
function linkRuntimeDependencies(): string[] {
  const linked = new Set<string>();
  const visit = (name: string) => {
    if (linked.has(name)) return;
    const source = join(root, 'node_modules', name);
    if (!existsSync(source)) return; // an optional dependency not installed on this platform
    linked.add(name);
    mkdirSync(dirname(join(app, 'node_modules', name)), { recursive: true });
    symlinkSync(source, join(app, 'node_modules', name));
    const manifest = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    for (const dep of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) visit(dep);
  };
  for (const dep of Object.keys(pkg.dependencies)) visit(dep);
  return [...linked];
}

let linked: string[] = [];

beforeAll(async () => {
  // What `npm pack` ships, minus src: package.json, migrations/, schema.sql, and the build.
  for (const file of pkg.files.filter((f) => f !== 'dist' && f !== 'src')) cpSync(join(root, file), join(app, file), { recursive: true });
  cpSync(join(root, 'package.json'), join(app, 'package.json'));
  await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', join(app, 'dist')]);
  linked = linkRuntimeDependencies();
}, 180_000);

afterAll(() => rmSync(app, { recursive: true, force: true }));

describe('the built service without dev dependencies', () => {
  it('has only runtime dependencies to run with', () => {
    expect(linked).toEqual(expect.arrayContaining(Object.keys(pkg.dependencies)));
    for (const dev of ['tsx', 'typescript', 'vitest', 'wrangler']) expect(linked).not.toContain(dev);
  });

  it('ships the migrations and a `goalpost` bin that is the built CLI', () => {
    expect(pkg.files).toContain('migrations');
    expect(pkg.bin).toEqual({ goalpost: 'dist/cli.js' });
    expect(readFileSync(join(app, 'dist/cli.js'), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(pkg.scripts['start:prod']).toBe('node dist/server.js');
  });

  it('runs the CLI: --help exits 0, keys create migrates a new file from the shipped migrations', async () => {
    const help = await run(process.execPath, ['dist/cli.js', '--help'], { cwd: app });
    expect(help.stdout).toContain('db backup FILE');
    const database = join(tempDir(), 'cli.db');
    const { stdout } = await run(process.execPath, ['dist/cli.js', 'keys', 'create', '--email', 'ops@example.com'], {
      cwd: app,
      env: { ...process.env, DATABASE_PATH: database },
    });
    expect(JSON.parse(stdout)).toMatchObject({ key: expect.stringMatching(/^gp_/) });
    const db = new BetterSqlite3(database, { readonly: true });
    expect(db.prepare('SELECT name FROM d1_migrations ORDER BY id').pluck().all()).toEqual(names);
    db.close();
  }, 60_000);

  it('serves with node dist/server.js: migrates the new database, answers /health and the bootstrap key works', async () => {
    const database = join(tempDir(), 'server.db');
    const server = await startServer({ DATABASE_PATH: database }, { args: ['dist/server.js'], cwd: app });
    try {
      expect(server.stdout()).toContain('"msg":"migrated"');
      const health = await fetch(`${server.url}/health`);
      expect(health.status).toBe(200);
      const created = await invokeHttp(server.url, keyIn(server.stdout()) ?? '', { resource: 'agents', action: 'create', data: { name: 'Prod' } });
      expect(created.status).toBe(201);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  }, 60_000);
});
