import * as z from 'zod';
import { base64Url, textFromBase64Url } from '../platform/encoding.js';
import { allPresent, publishAs } from './common-schemas.js';

/** Position after which the next page starts: newest first by (created_at, id). */
export interface Cursor {
  createdAt: string;
  id: string;
}

export const MAX_OFFSET = 10_000;

/** The paging keys every list action accepts. `offset` and `cursor` are exclusive. */
const pageInputShape = {
  limit: z.int().min(1).max(100).default(50).describe('Page size, 1–100.'),
  offset: z
    .int()
    .min(0)
    .max(MAX_OFFSET)
    .optional()
    .describe(`Rows to skip (at most ${MAX_OFFSET}); deep pages are cheaper by cursor.`),
  // Decoded while `data` is validated, so a bad cursor is reported with the other problems of `data`.
  cursor: publishAs(z.string().min(1).max(200), (s) => {
    s.pattern = '^[A-Za-z0-9_-]+$'; // base64url, as `encodeCursor` writes it
  })
    .transform((text, ctx) => {
      const cursor = decodeCursor(text);
      if (cursor === undefined) ctx.issues.push({ code: 'custom', message: 'Not a cursor this API issued.', input: text });
      return cursor ?? z.NEVER;
    })
    .optional()
    .describe('The `next_cursor` of the previous page (opaque). Not together with `offset`.'),
  ownerId: z.string().min(1).max(255).optional().describe("Admin mode only: only this owner's records."),
};

/** The name search of lists whose records have a name. */
const nameSearchShape = {
  q: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe('Only records whose name contains this text: literal (no wildcards), ASCII case-insensitive.'),
};

const pageRule = (value: { offset?: unknown; cursor?: unknown }): boolean =>
  value.offset === undefined || value.cursor === undefined;

/**
 * A list action's input: its filters plus the paging keys, strict. The only way to build one, so
 * every list publishes the offset/cursor exclusion (`not`) that the refine enforces.
 */
export const pageInput = <S extends z.core.$ZodLooseShape>(filters: S) => pagedInput({ ...filters, ...nameSearchShape });

/** `pageInput` for records with no name to search (outcomes). */
export const pagedInput = <S extends z.core.$ZodLooseShape>(filters: S) =>
  z
    .strictObject({ ...filters, ...pageInputShape })
    .refine(pageRule, { message: 'Give offset or cursor, not both.', path: ['cursor'] })
    .meta({ not: allPresent('offset', 'cursor') });

export const pageResultSchema = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    count: z.int().describe('How many records match the filters in all.'),
    has_more: z.boolean(),
    next_cursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page.'),
  });

export interface Page<T> {
  items: T[];
  count: number;
  has_more: boolean;
  next_cursor: string | null;
}

export const encodeCursor = (c: Cursor): string => base64Url(JSON.stringify([c.createdAt, c.id]));

const cursorSchema = z.tuple([z.iso.datetime(), z.string().min(1).max(100)]);

/** The cursor's position, or undefined when the text is not a cursor this API issued. */
function decodeCursor(text: string): Cursor | undefined {
  try {
    const json: unknown = JSON.parse(textFromBase64Url(text));
    const [createdAt, id] = cursorSchema.parse(json);
    return { createdAt, id };
  } catch {
    return undefined;
  }
}

/** Where a page starts and how long it is, as the stores take it (see db/listing.ts). */
export interface PageRequest {
  limit: number;
  offset?: number | undefined;
  cursor?: Cursor | undefined;
}

/** A list action's validated input split into its paging keys and its filters. */
export function splitPage<D extends PageRequest>(data: D): { page: PageRequest; filters: Omit<D, keyof PageRequest> } {
  const { limit, offset, cursor, ...filters } = data;
  return { page: { limit, offset, cursor }, filters };
}

const byCreation = (item: { created_at: string; id: string }): Cursor => ({ createdAt: item.created_at, id: item.id });

/** The store fetches `limit + 1` rows; the extra one only tells whether there is a next page. */
export function toPage<T extends { created_at: string; id: string }>(list: { items: T[]; count: number }, limit: number): Page<T> {
  return toPageBy(list, limit, byCreation);
}

/** `toPage` for lists sorted by another key than created_at (outcomes: occurred_at, then id). */
export function toPageBy<T>(list: { items: T[]; count: number }, limit: number, cursorOf: (item: T) => Cursor): Page<T> {
  const { items: rows, count } = list;
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  const hasMore = rows.length > limit;
  return {
    items,
    count,
    has_more: hasMore,
    next_cursor: hasMore && last !== undefined ? encodeCursor(cursorOf(last)) : null,
  };
}
