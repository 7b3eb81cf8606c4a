import { parseArgs } from 'node:util';
import { issueKey, issueKeySql } from './auth/issue-key.js';
import { SCOPES, isScope, type Scope } from './auth/scopes.js';
import { findUserByEmail, listKeys, revokeKey } from './auth/store.js';
import { parseConfig } from './config.js';
import { openDatabaseFile } from './db/sqlite.js';
import { systemClock, isoNow } from './platform/clock.js';
import { randomIds } from './platform/ids.js';
import { inlineSql } from './db/inline-sql.js';

const USAGE = `Usage:
  npm run cli -- keys create --email E [--name N] [--admin] [--scopes a,b] [--expires-at ISO] [--sql]
  npm run cli -- keys list --email E
  npm run cli -- keys revoke KEY_ID

Scopes: ${SCOPES.join(', ')} (default: all). The database is DATABASE_PATH (default ./data/goalpost.db).
With --sql no database is opened or written: the line gets "sql", to run on D1 with
  wrangler d1 execute DB --remote --command "$SQL"
It creates the user when the email is new (user_id is then theirs) or adds the key to the existing
user, and ends with a SELECT that shows the key's owner.`;

class UsageError extends Error {}

function parseScopes(value: string | undefined): Scope[] | undefined {
  if (value === undefined) return undefined;
  const scopes = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const unknown = scopes.filter((s) => !isScope(s));
  if (unknown.length > 0 || scopes.length === 0) throw new UsageError(`Unknown scopes: ${unknown.join(', ') || '(none given)'}`);
  return scopes as Scope[];
}

function parseExpiry(value: string | undefined): string | null {
  if (value === undefined) return null;
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new UsageError(`--expires-at is not a date: ${value}`);
  return new Date(time).toISOString();
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;

async function run(argv: string[]): Promise<unknown> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      email: { type: 'string' },
      name: { type: 'string' },
      admin: { type: 'boolean', default: false },
      scopes: { type: 'string' },
      'expires-at': { type: 'string' },
      sql: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const [group, command, arg] = positionals;
  if (values.help || group !== 'keys') throw new UsageError(USAGE);

  const requireEmail = (): string => {
    if (!values.email || !EMAIL.test(values.email)) throw new UsageError('--email with a valid address is required.');
    return values.email;
  };

  const keyRequest = () => ({
    email: requireEmail(),
    name: values.name ?? null,
    admin: values.admin,
    scopes: parseScopes(values.scopes) ?? SCOPES,
    expiresAt: parseExpiry(values['expires-at']),
  });
  if (command === 'create' && values.sql) {
    const { issued, statements } = await issueKeySql(keyRequest(), systemClock, randomIds);
    return { ...issued, sql: statements.map((s) => `${inlineSql(s)};`).join(' ') };
  }

  const config = parseConfig(process.env);
  const db = openDatabaseFile(config.DATABASE_PATH);
  try {
    if (command === 'create') return await issueKey(db, keyRequest(), systemClock, randomIds);
    if (command === 'list') {
      const user = await findUserByEmail(db, requireEmail());
      if (!user) throw new UsageError(`No user with email ${values.email}.`);
      return { user_id: user.id, keys: await listKeys(db, user.id) };
    }
    if (command === 'revoke') {
      if (!arg) throw new UsageError('keys revoke needs a KEY_ID.');
      if (!(await revokeKey(db, arg, isoNow(systemClock)))) throw new UsageError(`No key with id ${arg}.`);
      return { key_id: arg, revoked: true };
    }
    throw new UsageError(USAGE);
  } finally {
    await db.close();
  }
}

run(process.argv.slice(2)).then(
  (result) => console.log(JSON.stringify(result)),
  (err: unknown) => {
    console.error(err instanceof UsageError ? err.message : err);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
