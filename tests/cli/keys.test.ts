import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { parseConfig } from '../../src/config.js';
import { openDatabaseFile } from '../../src/db/sqlite.js';
import { tempDir } from '../support/server-process.js';

const exec = promisify(execFile);
const dbPath = join(tempDir(), 'cli.db');

/** `npm run cli -- …` without npm's own output: the same entry, the same environment variable. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      env: { ...process.env, DATABASE_PATH: dbPath },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const json = (stdout: string) => {
  const lines = stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0] ?? '') as Record<string, any>;
};

describe('npm run cli -- keys', () => {
  const db = openDatabaseFile(dbPath);
  const app = createApp({ db, config: parseConfig({ RATE_LIMIT_PER_MINUTE: '0' }) });
  const call = (key: string, envelope: unknown) =>
    app.request('/invoke', {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(envelope),
    });

  let alice: Record<string, any>;
  beforeAll(async () => {
    alice = json((await cli('keys', 'create', '--email', 'alice@example.com', '--name', 'Alice')).stdout);
  });
  afterAll(async () => {
    await db.close();
  });

  it('create prints one JSON line with user_id, key_id and a gp_ key that works with every scope', async () => {
    expect(Object.keys(alice).sort()).toEqual(['key', 'key_id', 'user_id']);
    expect(alice.key).toMatch(/^gp_[A-Za-z0-9_-]{43}$/);
    const res = await call(alice.key, { resource: 'agents', action: 'create', data: { name: 'A' } });
    expect(res.status).toBe(201);
  });

  it('stores only a hash, a prefix and the last four characters of the key', async () => {
    const row = await db.kysely.selectFrom('api_keys').selectAll().where('id', '=', alice.key_id).executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(alice.key);
    expect(row.prefix).toBe(alice.key.slice(0, 8));
    expect(row.last_four).toBe(alice.key.slice(-4));
    expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a second key for the same email belongs to the same user', async () => {
    const second = json((await cli('keys', 'create', '--email', 'alice@example.com', '--scopes', 'goals:read')).stdout);
    expect(second.user_id).toBe(alice.user_id);
    expect(second.key_id).not.toBe(alice.key_id);
    const denied = await call(second.key, { resource: 'agents', action: 'list' });
    expect(denied.status).toBe(403);
  });

  it('list shows the keys of a user without their secrets', async () => {
    const listed = json((await cli('keys', 'list', '--email', 'alice@example.com')).stdout);
    expect(listed.user_id).toBe(alice.user_id);
    expect(listed.keys.map((k: { id: string }) => k.id)).toContain(alice.key_id);
    expect(JSON.stringify(listed)).not.toContain(alice.key);
  });

  it('revoke makes the key fail with 401 from then on', async () => {
    const bob = json((await cli('keys', 'create', '--email', 'bob@example.com')).stdout);
    expect((await call(bob.key, { resource: 'goals', action: 'list' })).status).toBe(200);
    expect(json((await cli('keys', 'revoke', bob.key_id)).stdout)).toEqual({ key_id: bob.key_id, revoked: true });
    expect((await call(bob.key, { resource: 'goals', action: 'list' })).status).toBe(401);
  });

  it('--admin makes an admin whose key can use admin mode', async () => {
    const root = json((await cli('keys', 'create', '--email', 'root@example.com', '--admin')).stdout);
    const res = await call(root.key, { resource: 'goals', action: 'list', admin: true });
    expect(res.status).toBe(200);
    const plain = await call(alice.key, { resource: 'goals', action: 'list', admin: true });
    expect(plain.status).toBe(403);
  });

  it('--expires-at makes a key that stops working after that time', async () => {
    const past = json((await cli('keys', 'create', '--email', 'carol@example.com', '--expires-at', '2020-01-01T00:00:00Z')).stdout);
    expect((await call(past.key, { resource: 'goals', action: 'list' })).status).toBe(401);
  });

  it('rejects bad input with exit code 2 and writes nothing', async () => {
    const before = await db.kysely.selectFrom('api_keys').select('id').execute();
    const cases = [
      ['keys', 'create'],
      ['keys', 'create', '--email', 'not-an-email'],
      ['keys', 'create', '--email', 'dave@example.com', '--scopes', 'goals:admin'],
      ['keys', 'create', '--email', 'dave@example.com', '--expires-at', 'someday'],
      ['keys', 'revoke', crypto.randomUUID()],
      ['keys', 'explode'],
    ];
    for (const args of cases) {
      const result = await cli(...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr.length).toBeGreaterThan(0);
    }
    expect(await db.kysely.selectFrom('api_keys').select('id').execute()).toEqual(before);
  });
});
