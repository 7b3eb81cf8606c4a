import type { CompiledQuery } from 'kysely';

/** A SQL literal for one bound value: strings quoted with '' escaping, null as NULL. */
function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'string') return `'${value.replace(/'/g, "''")}'`;
  throw new Error(`Cannot inline a ${typeof value} value.`);
}

/**
 * Replaces the `?` placeholders of a compiled query with literals, for statements that are
 * printed and run elsewhere (D1 through wrangler). Placeholders inside quoted text are kept.
 */
export function inlineSql(query: CompiledQuery): string {
  const params = [...query.parameters];
  let out = '';
  let quote: string | null = null;
  for (const ch of query.sql) {
    if (quote) {
      if (ch === quote) quote = null;
      out += ch;
    } else if (ch === "'" || ch === '"' || ch === '`') {
      quote = ch;
      out += ch;
    } else if (ch === '?') {
      if (params.length === 0) throw new Error('More placeholders than parameters.');
      out += literal(params.shift());
    } else {
      out += ch;
    }
  }
  if (params.length > 0) throw new Error('More parameters than placeholders.');
  return out;
}
