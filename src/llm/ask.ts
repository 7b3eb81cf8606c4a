import type { z } from 'zod';
import type { ActionContext } from '../rpc/context.js';
import { ApiError } from '../rpc/errors.js';
import { joinPath } from '../rpc/validation.js';
import { LlmError, type JsonAnswer, type JsonRequest } from './port.js';

/** What an action calls its answer in the errors it returns: "suggestion", "evaluation". */
export interface AskWords {
  /** Names the action in the log: `generate`, `evaluate`. */
  action: string;
  /** The 502 message for an answer that is not JSON, breaks the schema or was cut off. */
  unusable: string;
  /** The 502 message for a refusal or a content filter. */
  refused: string;
}

const TIMEOUT = 'The AI model did not answer in time; try again.';
const UPSTREAM = 'The AI provider failed to answer.';
const MISCONFIGURED = "The AI provider rejected the request; the server's LLM configuration (key, model, URL) needs checking.";

/** Our words for each failure: the provider's text (which may quote keys or prompts) is never passed on. */
function apiErrorOf(err: LlmError, words: AskWords): ApiError {
  switch (err.kind) {
    case 'timeout':
      return new ApiError('AI_TIMEOUT', TIMEOUT, { retryable: true });
    case 'upstream':
      return new ApiError('AI_UPSTREAM_ERROR', err.retryable ? UPSTREAM : MISCONFIGURED, { retryable: err.retryable });
    case 'bad-output':
      return new ApiError('AI_UPSTREAM_ERROR', words.unusable, { retryable: err.retryable });
    case 'refused':
      return new ApiError('AI_UPSTREAM_ERROR', words.refused, { retryable: err.retryable });
  }
}

/**
 * One structured completion for an action: 503 without an LLM, and every failure as the contract's
 * 502 or 504. Call it after every database check, so that a 4xx never costs a model call.
 */
export async function askModel(ctx: ActionContext, request: JsonRequest, words: AskWords): Promise<JsonAnswer> {
  if (!ctx.llm) {
    throw new ApiError('AI_NOT_CONFIGURED', 'No LLM is configured on this server: set OPENAI_API_KEY or OPENAI_BASE_URL.');
  }
  const llm = ctx.llm;
  try {
    return await llm.completeJson({ ...request, requestId: ctx.requestId });
  } catch (err) {
    if (!(err instanceof LlmError)) throw err;
    // Where and which model: "HTTP 404" alone does not tell an operator what to fix.
    ctx.logger.warn(`${words.action}: LLM call failed`, {
      request_id: ctx.requestId,
      kind: err.kind,
      detail: err.detail,
      base_url: llm.baseUrl,
      model: llm.model,
    });
    throw apiErrorOf(err, words);
  }
}

const isRecord = (value: unknown): value is Record<PropertyKey, unknown> => typeof value === 'object' && value !== null;

/**
 * Parses with a strict schema after deleting the keys it reports as unknown, at every depth: keys
 * the model adds (ids, owner, status) are dropped, while a missing or wrong key still fails.
 */
export function parseDroppingExtras<S extends z.ZodType>(schema: S, value: unknown): z.ZodSafeParseResult<z.output<S>> {
  const first = schema.safeParse(value);
  if (first.success) return first;
  let dropped = false;
  for (const issue of first.error.issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    const holder = issue.path.reduce<unknown>((node, key) => (isRecord(node) ? node[key] : undefined), value);
    if (!isRecord(holder)) continue;
    for (const key of issue.keys) dropped = delete holder[key] || dropped;
  }
  return dropped ? schema.safeParse(value) : first;
}

/** The model's answer checked against `schema` (extra keys dropped); one that breaks it is a retryable 502. */
export function readAnswer<S extends z.ZodType>(ctx: ActionContext, schema: S, answer: JsonAnswer, words: AskWords): z.output<S> {
  const parsed = parseDroppingExtras(schema, answer.value);
  if (parsed.success) return parsed.data;
  const paths = parsed.error.issues.map((i) => joinPath(i.path) || '(root)');
  ctx.logger.warn(`${words.action}: answer breaks the schema`, { request_id: ctx.requestId, paths });
  throw new ApiError('AI_UPSTREAM_ERROR', words.unusable, { retryable: true });
}
