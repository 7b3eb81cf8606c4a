import { expect } from 'vitest';
import { ERROR_CODES, type ErrorCode } from '../../../src/rpc/errors.js';

/** What an error body may never carry: stack frames, SQL engine text, file paths, secrets. */
const LEAKS: RegExp[] = [
  /\n\s+at /, // a stack frame
  /SQLITE_|sqlite3?|better-sqlite/i,
  /\b(SELECT|INSERT|UPDATE|DELETE)\b[\s\S]*\b(FROM|INTO|SET|WHERE)\b/,
  /node_modules|file:\/\/|\/src\/|\.ts:\d+/,
  /sk-[A-Za-z0-9]{8,}/, // an OpenAI-style key
];

/** A leak found in `text`, unless the same text was in what the caller sent (messages may quote input). */
export function leakIn(text: string, sent = ''): string | null {
  for (const pattern of LEAKS) {
    const match = pattern.exec(text);
    if (match && !sent.includes(match[0])) return match[0];
  }
  if (text.includes(process.cwd()) && !sent.includes(process.cwd())) return process.cwd();
  return null;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Throws unless `body` is the contract's error body of `status` (or of any status, for a batch item). */
export function expectErrorBody(body: unknown, status?: number, sent = ''): ErrorCode {
  expect(isRecord(body), `error body is an object: ${JSON.stringify(body)}`).toBe(true);
  const b = body as Record<string, unknown>;
  expect(Object.keys(b).sort()).toEqual(['error', 'success']);
  expect(b.success).toBe(false);
  const error = b.error as Record<string, unknown>;
  expect(isRecord(error)).toBe(true);
  const code = error.code as ErrorCode;
  expect(Object.keys(ERROR_CODES)).toContain(code);
  if (status !== undefined) expect(ERROR_CODES[code].status).toBe(status);
  expect(typeof error.message).toBe('string');
  expect((error.message as string).length).toBeGreaterThan(0);
  expect(typeof error.retryable).toBe('boolean');
  expect(typeof error.request_id).toBe('string');
  const allowed = ['code', 'details', 'message', 'request_id', 'retryable'];
  for (const key of Object.keys(error)) expect(allowed).toContain(key);
  if ('details' in error) {
    expect(Array.isArray(error.details)).toBe(true);
    const details = error.details as unknown[];
    expect(details.length).toBeGreaterThan(0);
    for (const d of details) {
      expect(isRecord(d) && Object.keys(d).sort().join()).toBe('message,path');
      const detail = d as { path: unknown; message: unknown };
      expect(typeof detail.path).toBe('string');
      expect(typeof detail.message).toBe('string');
    }
  }
  const leak = leakIn(JSON.stringify(body), sent);
  expect(leak, `error body leaks ${leak}`).toBeNull();
  return code;
}

/** Throws unless the reply is a success or error body of the contract, consistent with its status. */
export function expectContractReply(status: number, body: unknown, sent = ''): void {
  expect(status, `no 5xx: ${JSON.stringify(body)}`).toBeLessThan(500);
  if (Array.isArray(body)) {
    expect(status).toBe(200);
    for (const item of body) {
      if (isRecord(item) && item.success === true) expect('data' in item).toBe(true);
      else expectErrorBody(item, undefined, sent);
    }
    return;
  }
  if (status < 300) {
    expect(isRecord(body) && body.success === true && 'data' in body, JSON.stringify(body)).toBe(true);
    return;
  }
  expectErrorBody(body, status, sent);
}

/** Own property names of Object.prototype, to prove that no request added one. */
export const prototypeKeys = (): string[] => Object.getOwnPropertyNames(Object.prototype).sort();
