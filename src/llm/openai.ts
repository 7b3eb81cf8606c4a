import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import type { ResponseFormatJSONSchema } from 'openai/resources/shared';
import * as z from 'zod';
// The client's timer: zero dependencies, so the server may share it (the reverse is not allowed).
import { sleep } from '../client/retry.js';
import type { Config } from '../config.js';
import { silentLogger, type Logger } from '../platform/logger.js';
import { LlmError, type JsonAnswer, type JsonRequest, type LlmPort } from './port.js';

export type LlmConfig = Pick<Config, 'OPENAI_API_KEY' | 'OPENAI_BASE_URL' | 'OPENAI_MODEL' | 'OPENAI_TIMEOUT_MS'>;

const OPENAI_BASE_URL = 'https://api.openai.com/v1';
/** Keyless servers (Ollama, llama.cpp) ignore the key, but the SDK needs a string. */
const PLACEHOLDER_KEY = 'unused';
export const MAX_RETRIES = 2;

/**
 * OpenAI refuses `max_tokens` for its newer models and both keys at once; Ollama reads only
 * `max_tokens` (ollama/ollama#7125), as vLLM and llama.cpp also do. So the key follows the server.
 */
export type TokenCapKey = 'max_completion_tokens' | 'max_tokens';
export const tokenCapKeyFor = (baseURL: string): TokenCapKey =>
  URL.canParse(baseURL) && new URL(baseURL).hostname === 'api.openai.com' ? 'max_completion_tokens' : 'max_tokens';

/**
 * The LLM of the configuration, or null when none is configured (neither a key nor a base URL):
 * `generate` then answers 503. Both composition roots call this.
 */
export function createLlm(config: LlmConfig, logger: Logger = silentLogger): LlmPort | null {
  if (config.OPENAI_API_KEY === null && config.OPENAI_BASE_URL === null) return null;
  return createOpenAiLlm({
    apiKey: config.OPENAI_API_KEY ?? PLACEHOLDER_KEY,
    baseURL: config.OPENAI_BASE_URL ?? OPENAI_BASE_URL,
    model: config.OPENAI_MODEL,
    timeoutMs: config.OPENAI_TIMEOUT_MS,
    logger,
  });
}

/** The base URL without user info or query, safe to log. */
function displayUrl(baseURL: string): string {
  try {
    const url = new URL(baseURL);
    return `${url.origin}${url.pathname}`;
  } catch {
    return '(unparsable base URL)';
  }
}

export interface OpenAiOptions {
  apiKey: string;
  baseURL: string;
  model: string;
  /** One deadline for the whole call: every attempt and every wait between them. */
  timeoutMs: number;
  /** Which key carries the answer's token cap; by default the one `baseURL`'s server reads. */
  tokenCapKey?: TokenCapKey;
  /** At `debug`, one line per completion: model, latency, tokens. */
  logger?: Logger;
}

/** Token counts of a completion, when the provider reports them. */
const usageSchema = z.object({ prompt_tokens: z.number().optional(), completion_tokens: z.number().optional() });

export function createOpenAiLlm(options: OpenAiOptions): LlmPort {
  // Retries are ours: the SDK's also retry 408/409 and sleep through the deadline.
  const client = new OpenAI({
    apiKey: options.apiKey,
    baseURL: options.baseURL,
    timeout: options.timeoutMs,
    maxRetries: 0,
  });
  const capKey = options.tokenCapKey ?? tokenCapKeyFor(options.baseURL);
  const logger = options.logger ?? silentLogger;
  const baseUrl = displayUrl(options.baseURL);
  return {
    model: options.model,
    baseUrl,
    async completeJson(request) {
      const body = {
        model: options.model,
        temperature: request.temperature,
        [capKey]: request.maxOutputTokens,
        response_format: responseFormat(request.schema, request.schemaName),
        messages: [
          { role: 'system' as const, content: request.instructions },
          { role: 'user' as const, content: request.input },
        ],
      };
      const started = Date.now();
      let attempts = 0;
      const completion = await withRetries(options.timeoutMs, (signal) => {
        attempts += 1;
        return client.chat.completions.create(body, { signal });
      });
      if (logger.enabled('debug')) {
        const usage = usageSchema.safeParse((completion as { usage?: unknown }).usage);
        logger.debug('llm call', {
          ...(request.requestId !== undefined ? { request_id: request.requestId } : {}),
          base_url: baseUrl,
          model: options.model,
          latency_ms: Date.now() - started,
          attempts,
          ...(usage.success ? usage.data : {}),
        });
      }
      return readAnswer(completion, options.model);
    },
  };
}

const formats = new WeakMap<z.ZodType, ResponseFormatJSONSchema>();

/**
 * Strict `json_schema` format from zod's own converter (the SDK's `openai/helpers/zod` costs ~26 KiB
 * gzipped of zod v3), minus `$schema`, which some servers refuse, and `default: null`, as the SDK drops it.
 */
function responseFormat(schema: z.ZodType, name: string): ResponseFormatJSONSchema {
  const cached = formats.get(schema);
  if (cached) return cached;
  const { $schema: _dialect, ...jsonSchema } = withoutNullDefaults(z.toJSONSchema(schema, { target: 'draft-7' }));
  const format: ResponseFormatJSONSchema = { type: 'json_schema', json_schema: { name, strict: true, schema: jsonSchema } };
  formats.set(schema, format);
  return format;
}

/** A copy without `default: null` keys: the SDK's strict conversion removed them, so the model never saw them. */
function withoutNullDefaults(schema: object): Record<string, unknown> {
  const strip = (value: unknown): unknown =>
    Array.isArray(value) ? value.map(strip) : typeof value === 'object' && value !== null ? withoutNullDefaults(value) : value;
  return Object.fromEntries(
    Object.entries(schema).flatMap(([key, child]) => (key === 'default' && child === null ? [] : [[key, strip(child)]])),
  );
}

/** Retried: 429, 5xx and connection failures. Everything else is final. */
const isTransient = (err: unknown): boolean =>
  err instanceof APIConnectionError ||
  (err instanceof APIError && err.status !== undefined && (err.status === 429 || err.status >= 500));

/** `retry-after-ms`, then `retry-after` (seconds or an HTTP date), else exponential backoff with jitter. */
function retryDelayMs(err: unknown, retry: number): number {
  const headers = err instanceof APIError ? err.headers : undefined;
  const ms = Number.parseFloat(headers?.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const after = headers?.get('retry-after');
  if (after) {
    const seconds = Number.parseFloat(after);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
    const date = Date.parse(after);
    if (Number.isFinite(date)) return Math.max(0, date - Date.now());
  }
  return 500 * 2 ** retry * (1 - Math.random() * 0.25);
}

/**
 * At most MAX_RETRIES retries, all under one deadline. When the provider asks for a wait longer
 * than the time left, the call fails now with a retryable error instead of timing out later.
 */
async function withRetries<T>(timeoutMs: number, attempt: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const deadline = AbortSignal.timeout(timeoutMs);
  const endsAt = Date.now() + timeoutMs;
  const timedOut = (cause: unknown) => new LlmError('timeout', `no answer within ${timeoutMs} ms`, true, { cause });
  for (let retry = 0; ; retry += 1) {
    try {
      return await attempt(deadline);
    } catch (err) {
      // The SDK's per-attempt timer is the deadline too; whichever fires first, it is a timeout.
      if (deadline.aborted || err instanceof APIConnectionTimeoutError) throw timedOut(err);
      const failure = toLlmError(err);
      if (!isTransient(err) || retry >= MAX_RETRIES) throw failure;
      const wait = retryDelayMs(err, retry);
      if (wait >= endsAt - Date.now()) throw failure;
      await sleep(wait, deadline).catch(() => {
        throw timedOut(err);
      });
    }
  }
}

/** Every failure of the SDK call becomes an LlmError whose detail is ours, never the provider's text. */
function toLlmError(err: unknown): LlmError {
  if (err instanceof APIConnectionError) return new LlmError('upstream', 'connection failed', true, { cause: err });
  if (err instanceof APIError && err.status !== undefined) {
    // 4xx other than these mean a wrong key, model or request: retrying will not help.
    const retryable = [408, 409, 429].includes(err.status) || err.status >= 500;
    return new LlmError('upstream', `HTTP ${err.status}`, retryable, { cause: err });
  }
  // The SDK lets a success body that is not JSON through as a SyntaxError.
  if (err instanceof SyntaxError) return new LlmError('bad-output', 'response body is not JSON', true, { cause: err });
  return new LlmError('upstream', err instanceof Error ? err.name : 'unknown error', true, { cause: err });
}

/** The provider's answer is untrusted too: checked before it is read. */
const completionSchema = z.object({
  model: z.string().optional(),
  choices: z
    .array(
      z.object({
        finish_reason: z.string().nullish(),
        message: z.object({ content: z.string().nullish(), refusal: z.string().nullish() }),
      }),
    )
    .min(1),
});

function readAnswer(completion: unknown, configuredModel: string): JsonAnswer {
  const parsed = completionSchema.safeParse(completion);
  if (!parsed.success) throw new LlmError('bad-output', 'not a chat completion', true);
  const { model, choices } = parsed.data;
  const [choice] = choices;
  if (!choice) throw new LlmError('bad-output', 'no choices', true);
  if (choice.message.refusal || choice.finish_reason === 'content_filter') {
    throw new LlmError('refused', choice.message.refusal ? 'refusal' : 'content filter', false);
  }
  if (choice.finish_reason === 'length') throw new LlmError('bad-output', 'cut off at the token cap', true);
  const content = choice.message.content;
  if (!content) throw new LlmError('bad-output', 'empty answer', true);
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch (cause) {
    throw new LlmError('bad-output', 'answer is not JSON', true, { cause });
  }
  return { value, model: model && model.length <= 200 ? model : configuredModel };
}
