import { readFileSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import { serve } from '@hono/node-server';
import { createApp } from './app.js';
import { bootstrapAdmin } from './auth/issue-key.js';
import { parseConfig } from './config.js';
import { openDatabaseFile } from './db/sqlite.js';
import { parseAdminAssets, type AdminAssets } from './http/admin.js';
import { createLlm } from './llm/openai.js';
import { systemClock } from './platform/clock.js';
import { randomIds } from './platform/ids.js';
import { createLogger } from './platform/logger.js';
import { errorBody, validationError } from './rpc/errors.js';

/**
 * The dashboard's files from `npm run build` (dist/dashboard, the same folder from src/ under tsx
 * and from dist/ when built). Without them the API still runs and /admin says how to build them.
 */
function readAdminAssets(): AdminAssets | undefined {
  let text: string;
  try {
    text = readFileSync(new URL('../dist/dashboard/assets.json', import.meta.url), 'utf8');
  } catch {
    return undefined;
  }
  return parseAdminAssets(JSON.parse(text));
}

async function main(): Promise<void> {
  const config = parseConfig(process.env);
  const logger = createLogger(config.LOG_LEVEL);
  const db = openDatabaseFile(config.DATABASE_PATH, logger);
  if (db.migrated.length > 0) logger.info('migrated', { database: config.DATABASE_PATH, applied: db.migrated });

  const llm = createLlm(config, logger);
  const adminAssets = readAdminAssets();
  const app = createApp({ db, config, logger, llm, clock: systemClock, ids: randomIds, adminAssets });
  const server = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST }, (info) => {
    // Only once the port is ours: a start that fails (port in use) must not spend the one-time key.
    bootstrapAdmin(db, config.ADMIN_EMAIL, systemClock, randomIds).then((admin) => {
      if (admin) console.log(`Created admin user ${config.ADMIN_EMAIL}. Its API key, shown only this once:\n\n  ${admin.key}\n`);
      logger.info('listening', {
        url: `http://${info.address}:${info.port}`,
        database: config.DATABASE_PATH,
        llm: llm ? llm.model : 'off',
        dashboard: adminAssets ? '/admin' : 'not built',
      });
    }, (err: unknown) => fail(err instanceof Error ? err.message : String(err)));
  });

  server.on('error', (err: NodeJS.ErrnoException) => {
    const where = `${config.HOST}:${config.PORT}`;
    if (err.code === 'EADDRINUSE') fail(`Port ${config.PORT} is in use on ${config.HOST}: set PORT to a free port, or stop the process that holds it.`);
    if (err.code === 'EACCES') fail(`Not allowed to listen on ${where}: use a PORT above 1023, or set HOST.`);
    if (err.code === 'EADDRNOTAVAIL') fail(`HOST ${config.HOST} is not an address of this machine: use 127.0.0.1, or 0.0.0.0 for every interface.`);
    fail(`Cannot listen on ${where}: ${err.message}`);
  });

  // Node refuses malformed HTTP (e.g. both Content-Length and Transfer-Encoding: request smuggling)
  // before the app runs; answer with the contract's error body, then close the connection.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    const body = JSON.stringify(errorBody(validationError([{ path: '', message: 'The HTTP request is malformed.' }]), crypto.randomUUID()));
    socket.end(
      `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nX-Content-Type-Options: nosniff\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping', { signal });
    // close() stops accepting and waits for in-flight requests; the database closes after them.
    server.close(() => {
      void db.close().then(() => process.exit(0));
    });
    // Keep-alive sockets would hold close() open until they time out: drop each once it is idle.
    if ('closeIdleConnections' in server) {
      server.closeIdleConnections();
      setInterval(() => server.closeIdleConnections(), 50).unref();
    }
    setTimeout(() => {
      logger.warn('forced exit: requests still running after 10 s');
      process.exit(1);
    }, 10_000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

/** An operator's problem (a port, a setting, a locked file) is one line on stderr, not a stack trace. */
function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

main().catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
