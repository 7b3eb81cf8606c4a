#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { issueKey, issueKeySql } from './auth/issue-key.js';
import { SCOPES, isScope, type Scope } from './auth/scopes.js';
import { findUserByEmail, listKeys, revokeKey } from './auth/store.js';
import { parseConfig } from './config.js';
import { inlineSql } from './db/inline-sql.js';
import { migrationStatus, schemaDrift } from './db/migrate.js';
import { databaseExists, openDatabaseFile, openSqlite, readMigrations } from './db/sqlite.js';
import { systemClock, isoNow } from './platform/clock.js';
import { randomIds } from './platform/ids.js';

/** Usage of each command; `--help` after any of them prints its own, `--help` alone all of them. */
const COMMANDS = {
  'keys create': `keys create --email E [--name N] [--admin] [--scopes a,b] [--expires-at ISO] [--sql]
    Creates the user when the email is new, and a key for that user; prints { user_id, key_id, key }.
    Without --scopes the key holds every scope, including those later versions add.
    Scopes: ${SCOPES.join(', ')}.
    --expires-at must be in the future. With --sql nothing is opened or written: the line gets "sql",
    to run on D1 with  wrangler d1 execute DB --remote --command "$SQL"  (after the migrations).`,
  'keys list': `keys list --email E
    The user's keys without their secrets (scopes ["*"]: an all-scopes key).`,
  'keys revoke': `keys revoke KEY_ID
    The key fails with 401 from its next request.`,
  'db status': `db status
    Applied and pending migrations, and any difference between the file's schema and theirs.`,
  'db migrate': `db migrate
    Applies pending migrations (the server also does at start-up). A release-1 file is adopted.`,
  'db backup': `db backup FILE
    A consistent copy of the database, safe while the server runs (SQLite's online backup).`,
} as const;
type Command = keyof typeof COMMANDS;

const usage = (commands: readonly Command[]) =>
  `Usage: goalpost <command> (in a clone: npm run cli -- <command>)\n\n${commands.map((c) => `  ${COMMANDS[c]}`).join('\n\n')}\n\n` +
  'The database is DATABASE_PATH (default ./data/goalpost.db).';

const isCommand = (name: string): name is Command => name in COMMANDS;

class UsageError extends Error {}
/** Asked for with --help: printed on stdout, exit 0. */
class Help extends Error {}

const HINT = 'Run with --help for usage.';

function parseScopes(value: string | undefined): Scope[] | undefined {
  if (value === undefined) return undefined;
  const scopes = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const unknown = scopes.filter((s) => !isScope(s));
  if (unknown.length > 0 || scopes.length === 0) {
    throw new UsageError(`Unknown scopes: ${unknown.join(', ') || '(none given)'}. Scopes: ${SCOPES.join(', ')}.`);
  }
  return scopes as Scope[];
}

function parseExpiry(value: string | undefined): string | null {
  if (value === undefined) return null;
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new UsageError(`--expires-at is not a date: ${value}`);
  // A key that is dead on arrival is always a typo (a year, a time zone), never what was meant.
  if (time <= systemClock.now().getTime()) throw new UsageError(`--expires-at is in the past: ${value}`);
  return new Date(time).toISOString();
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;

const OPTIONS = {
  email: { type: 'string' },
  name: { type: 'string' },
  admin: { type: 'boolean', default: false },
  scopes: { type: 'string' },
  'expires-at': { type: 'string' },
  sql: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** parseArgs's errors carry a paragraph of advice about `--`; an operator needs the flag and a hint. */
function parseCommandLine(argv: string[]) {
  try {
    return parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
  } catch (err) {
    const code = (err as { code?: string }).code;
    const flag = /'(-[^' ]+)/.exec(err instanceof Error ? err.message : '')?.[1] ?? '';
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const near = Object.keys(OPTIONS).find((o) => o.startsWith(flag.replace(/^-+/, '')) || flag.replace(/^-+/, '').startsWith(o));
      throw new UsageError(`Unknown option ${flag}${near ? ` (did you mean --${near}?)` : ''}. ${HINT}`);
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new UsageError(`Option ${flag} needs a value. ${HINT}`);
    throw new UsageError(`${err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err)} ${HINT}`);
  }
}

async function run(argv: string[]): Promise<unknown> {
  const { values, positionals } = parseCommandLine(argv);
  const [group = '', command = '', arg, ...extra] = positionals;
  const name = `${group} ${command}`;
  if (!isCommand(name)) {
    if (values.help) {
      const inGroup = (Object.keys(COMMANDS) as Command[]).filter((c) => group === '' || c.startsWith(`${group} `));
      throw new Help(usage(inGroup.length > 0 ? inGroup : (Object.keys(COMMANDS) as Command[])));
    }
    throw new UsageError(group === '' ? `No command given. ${HINT}` : `Unknown command: ${[group, command].join(' ').trim()}. ${HINT}`);
  }
  if (values.help) throw new Help(usage([name]));
  const takesArg = name === 'keys revoke' || name === 'db backup';
  if (extra.length > 0 || (!takesArg && arg !== undefined)) {
    throw new UsageError(`Unexpected argument: ${takesArg ? extra.join(' ') : [arg, ...extra].join(' ')}. ${HINT}`);
  }

  const requireEmail = (): string => {
    if (!values.email || !EMAIL.test(values.email)) throw new UsageError(`--email with a valid address is required. ${HINT}`);
    return values.email;
  };
  const keyRequest = () => ({
    email: requireEmail(),
    name: values.name ?? null,
    admin: values.admin,
    scopes: parseScopes(values.scopes),
    expiresAt: parseExpiry(values['expires-at']),
  });

  if (name === 'keys create' && values.sql) {
    const { issued, statements } = await issueKeySql(keyRequest(), systemClock, randomIds);
    return { ...issued, sql: statements.map((s) => `${inlineSql(s)};`).join(' ') };
  }
  if (name === 'keys create') keyRequest(); // input errors before the database is opened or created

  const { DATABASE_PATH: path } = parseConfig(process.env);
  if (name === 'db status' || name === 'db backup') {
    if (!databaseExists(path)) throw new UsageError(`No database at ${path} (set DATABASE_PATH; the server creates it on first start).`);
    return name === 'db status' ? status(path) : backup(path, arg);
  }

  const db = openDatabaseFile(path);
  try {
    switch (name) {
      case 'db migrate':
        return { database: path, applied: db.migrated, pending: migrationStatus(db.sqlite, readMigrations()).pending };
      case 'keys create':
        return await issueKey(db, keyRequest(), systemClock, randomIds);
      case 'keys list': {
        const user = await findUserByEmail(db, requireEmail());
        if (!user) throw new UsageError(`No user with email ${values.email}.`);
        return { user_id: user.id, keys: await listKeys(db, user.id) };
      }
      case 'keys revoke':
        if (!arg) throw new UsageError(`keys revoke needs a KEY_ID. ${HINT}`);
        if (!(await revokeKey(db, arg, isoNow(systemClock)))) throw new UsageError(`No key with id ${arg}.`);
        return { key_id: arg, revoked: true };
    }
  } finally {
    await db.close();
  }
}

/** Reads only: never migrates, so an operator can look before the server upgrades the file. */
async function status(path: string) {
  const db = openSqlite({ path, mustExist: true });
  const scratch = new BetterSqlite3(':memory:');
  try {
    const migrations = readMigrations();
    const { applied, pending, unknown, adoptable } = migrationStatus(db.sqlite, migrations);
    return {
      database: path,
      applied,
      pending,
      ...(unknown.length > 0 ? { unknown, warning: 'migrated by a newer version: this one will not start on it' } : {}),
      ...(adoptable ? { adopt: 'a release-1 database: the next migrate records 0001 and applies the rest' } : {}),
      drift: adoptable ? [] : schemaDrift(db.sqlite, scratch, migrations),
    };
  } finally {
    scratch.close();
    await db.close();
  }
}

async function backup(path: string, file: string | undefined) {
  if (!file) throw new UsageError(`db backup needs a FILE. ${HINT}`);
  const target = resolve(file);
  if (existsSync(target)) throw new UsageError(`${file} exists: back up to a new file.`);
  const db = openSqlite({ path, mustExist: true });
  try {
    // One step copies every page under one read snapshot (WAL: writers go on), so the copy is consistent.
    const { totalPages } = await db.sqlite.backup(target, { progress: () => 0x7fffffff });
    return { database: path, backup: target, pages: totalPages };
  } finally {
    await db.close();
  }
}

run(process.argv.slice(2)).then(
  (result) => console.log(JSON.stringify(result)),
  (err: unknown) => {
    if (err instanceof Help) {
      console.log(err.message);
      return;
    }
    if (err instanceof UsageError) {
      console.error(err.message);
      process.exit(2);
    }
    // Anything else (a locked or corrupt file, a failing migration): one line, not a stack.
    console.error(`goalpost: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
