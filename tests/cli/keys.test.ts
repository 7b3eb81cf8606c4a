import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { parseConfig } from '../../src/config.js';
import { openDatabaseFile } from '../../src/db/sqlite.js';
import { runCli } from '../support/cli-process.js';
import { tempDir } from '../support/server-process.js';

const dbPath = join(tempDir(), 'cli.db');
const cli = (...args: string[]) => runCli(dbPath, ...args);

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

  it('--expires-at stores the expiry of a key, which works until then', async () => {
    const carol = json((await cli('keys', 'create', '--email', 'carol@example.com', '--expires-at', '2999-01-01T00:00:00+01:00')).stdout);
    expect((await call(carol.key, { resource: 'goals', action: 'list' })).status).toBe(200);
    const row = await db.kysely.selectFrom('api_keys').select('expires_at').where('id', '=', carol.key_id).executeTakeFirstOrThrow();
    expect(row.expires_at).toBe('2998-12-31T23:00:00.000Z');
  });

  it('refuses --expires-at in the past with exit code 2: a dead key is never what was meant', async () => {
    const result = await cli('keys', 'create', '--email', 'erin@example.com', '--expires-at', '2020-01-01T00:00:00Z');
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe('--expires-at is in the past: 2020-01-01T00:00:00Z');
    expect(await db.kysely.selectFrom('users').select('id').where('email', '=', 'erin@example.com').execute()).toEqual([]);
  });

  it('list shows ["*"] for a key made without --scopes and exactly the scopes of a restricted one', async () => {
    const listed = json((await cli('keys', 'list', '--email', 'alice@example.com')).stdout);
    const byId = new Map(listed.keys.map((k: { id: string; scopes: string[] }) => [k.id, k.scopes]));
    expect(byId.get(alice.key_id)).toEqual(['*']);
    expect([...byId.values()]).toContainEqual(['goals:read']);
  });

  it('rejects bad input with exit code 2 and writes nothing', async () => {
    const before = await db.kysely.selectFrom('api_keys').select('id').execute();
    const cases = [
      ['keys', 'create'],
      ['keys', 'create', '--email', 'not-an-email'],
      ['keys', 'create', '--email', 'dave@example.com', '--scopes', 'goals:admin'],
      ['keys', 'create', '--email', 'dave@example.com', '--expires-at', 'someday'],
      ['keys', 'create', '--email', 'dave@example.com', '--expires-at', '2001-01-01'],
      ['keys', 'create', '--email', 'dave@example.com', '--scope', 'goals:read'],
      ['keys', 'create', '--email'],
      ['keys', 'list', '--email', 'alice@example.com', 'extra'],
      ['keys', 'revoke', crypto.randomUUID()],
      ['keys', 'explode'],
    ];
    const results = await Promise.all(cases.map((args) => cli(...args)));
    for (const [i, args] of cases.entries()) {
      const result = results[i] ?? { code: 0, stdout: '', stderr: '' };
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stdout).toBe('');
      // One line for the operator, never a stack trace.
      expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(result.stderr).not.toMatch(/\bat .*\(.*:\d+:\d+\)/);
    }
    expect(await db.kysely.selectFrom('api_keys').select('id').execute()).toEqual(before);
  }, 60_000);
});
