import type { KyselyConfig, LogEvent } from 'kysely';
import type { Logger } from '../platform/logger.js';

/**
 * Kysely's `log` option writing each statement's SQL and duration at `debug` (never its bound
 * values: they hold user data and key hashes). Nothing is installed unless debug is on.
 */
export function sqlTimings(logger: Logger | undefined): Pick<KyselyConfig, 'log'> {
  if (!logger?.enabled('debug')) return {};
  return {
    log: (event: LogEvent) => {
      const fields = { sql: event.query.sql, duration_ms: Math.round(event.queryDurationMillis * 100) / 100 };
      if (event.level === 'error') logger.debug('sql failed', fields);
      else logger.debug('sql', fields);
    },
  };
}
