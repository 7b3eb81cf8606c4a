import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { sortMigrations } from '../../src/db/migrate.js';
import { readMigrations } from '../../src/db/sqlite.js';
import { runCli } from '../support/cli-process.js';
import { invokeHttp, keyIn, startServer, tempDir } from '../support/server-process.js';

const names = sortMigrations(readMigrations()).map((m) => m.name);
const json = (stdout: string) => JSON.parse(stdout.trim()) as Record<string, any>;
const RELEASE_1_SCHEMA = readFileSync(new URL('../fixtures/release-1-schema.sql', import.meta.url), 'utf8');

describe('npm run cli -- --help', () => {
  it.each([
    [[] as string[], 'keys create'],
    [['keys'], 'keys revoke'],
    [['db'], 'db backup'],
    [['keys', 'create'], '--expires-at'],
    [['keys', 'list'], 'keys list --email'],
    [['keys', 'revoke'], 'KEY_ID'],
    [['db', 'status'], 'db status'],
    [['db', 'migrate'], 'db migrate'],
    [['db', 'backup'], 'db backup FILE'],
  ])('%j --help prints usage on stdout and exits 0', async (args, expected) => {
    const result = await runCli(join(tempDir(), 'none.db'), ...args, '--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: goalpost');
    expect(result.stdout).toContain(expected);
    expect(result.stderr).toBe('');
  });

  it('answers a mistyped flag with one line that names it and suggests the right one, exit 2', async () => {
    const result = await runCli(join(tempDir(), 'none.db'), 'keys', 'create', '--email', 'a@example.com', '--scope', 'goals:read');
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe('Unknown option --scope (did you mean --scopes?). Run with --help for usage.');
    expect(result.stdout).toBe('');
  });

  it('answers no command, or an unknown one, with one line and exit 2', async () => {
    for (const args of [[], ['db', 'vacuum'], ['users']]) {
      const result = await runCli(join(tempDir(), 'none.db'), ...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  }, 60_000);
});

describe('npm run cli -- db', () => {
  it('status lists every migration as pending on an empty file, migrate applies them, status then lists them applied', async () => {
    const path = join(tempDir(), 'status.db');
    new BetterSqlite3(path).close();
    const before = json((await runCli(path, 'db', 'status')).stdout);
    expect(before).toMatchObject({ database: path, applied: [], pending: names, drift: [] });

    const migrated = json((await runCli(path, 'db', 'migrate')).stdout);
    expect(migrated).toEqual({ database: path, applied: names, pending: [] });
    const after = json((await runCli(path, 'db', 'status')).stdout);
    expect(after.applied.map((a: { name: string }) => a.name)).toEqual(names);
    expect(after).toMatchObject({ pending: [], drift: [] });
    expect(json((await runCli(path, 'db', 'migrate')).stdout)).toEqual({ database: path, applied: [], pending: [] });
  }, 60_000);

  it('status says a release-1 file will be adopted, and changes nothing in it', async () => {
    const path = join(tempDir(), 'v1.db');
    const v1 = new BetterSqlite3(path);
    v1.exec(RELEASE_1_SCHEMA);
    v1.close();
    const status = json((await runCli(path, 'db', 'status')).stdout);
    expect(status).toMatchObject({ applied: [], pending: names, adopt: expect.stringContaining('release-1') });
    const untouched = new BetterSqlite3(path, { readonly: true });
    expect(untouched.prepare("SELECT 1 FROM sqlite_master WHERE name = 'd1_migrations'").get()).toBeUndefined();
    untouched.close();
    expect(json((await runCli(path, 'db', 'migrate')).stdout).applied).toEqual(names);
  }, 60_000);

  it('status and backup refuse a database that does not exist (exit 2) instead of creating an empty one', async () => {
    const dir = tempDir();
    for (const args of [['db', 'status'], ['db', 'backup', join(dir, 'copy.db')]]) {
      const result = await runCli(join(dir, 'missing.db'), ...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain('No database at');
    }
  }, 60_000);

  it('backup writes a consistent copy of a database the server is writing to, and refuses to overwrite a file', async () => {
    const dir = tempDir();
    const path = join(dir, 'live.db');
    const server = await startServer({ DATABASE_PATH: path });
    try {
      const key = keyIn(server.stdout()) ?? '';
      const create = (i: number) => invokeHttp(server.url, key, { resource: 'agents', action: 'create', data: { name: `Agent ${i}` } });
      for (let i = 0; i < 20; i += 1) await create(i);

      // Writes keep coming while the backup runs.
      let writing = true;
      let written = 20;
      const writer = (async () => {
        while (writing) {
          const res = await create(written);
          if (res.status === 201) written += 1;
        }
      })();
      const result = await runCli(path, 'db', 'backup', join(dir, 'copy.db'));
      writing = false;
      await writer;

      expect(result.code).toBe(0);
      const report = json(result.stdout);
      expect(report).toMatchObject({ database: path, backup: join(dir, 'copy.db') });
      expect(report.pages).toBeGreaterThan(0);

      const copy = new BetterSqlite3(join(dir, 'copy.db'), { readonly: true });
      expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(copy.pragma('foreign_key_check')).toEqual([]);
      const agents = copy.prepare('SELECT count(*) FROM agents').pluck().get() as number;
      expect(agents).toBeGreaterThanOrEqual(20);
      expect(agents).toBeLessThanOrEqual(written);
      expect(copy.prepare('SELECT name FROM d1_migrations ORDER BY id').pluck().all()).toEqual(names);
      copy.close();

      // The copy is a working database: the CLI reads it like any other.
      copyFileSync(join(dir, 'copy.db'), join(dir, 'restored.db'));
      expect(json((await runCli(join(dir, 'restored.db'), 'db', 'status')).stdout)).toMatchObject({ pending: [], drift: [] });

      const again = await runCli(path, 'db', 'backup', join(dir, 'copy.db'));
      expect(again.code).toBe(2);
      expect(again.stderr).toContain('exists');
    } finally {
      await server.stop();
    }
  }, 60_000);
});
