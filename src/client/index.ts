import { actionKind, type ActionKind } from './action-kinds.js';
import { backoffDelay, DEFAULT_RETRY, parseRetryAfter, sleep, type RetryOptions, type RetryPolicy } from './retry.js';
import type {
  ActionName,
  ActionResult,
  AnyEnvelope,
  ApiErrorPayload,
  Envelope,
  FailureBody,
  InvokeResult,
  ItemResult,
  ResourceName,
  SuccessBody,
} from './types.js';

export type {
  ActionInput,
  Api,
  ActionName,
  ActionResult,
  AnyEnvelope,
  ApiErrorPayload,
  ClientErrorCode,
  Envelope,
  FailureBody,
  InvokeResult,
  ItemResult,
  ResourceName,
  SuccessBody,
} from './types.js';
export type { ActionKey, ActionKind } from './action-kinds.js';
export type { RetryOptions } from './retry.js';

type MaybePromise<T> = T | Promise<T>;
/** Returns the current bearer token (an API key or a session JWT); asked before every attempt. */
export type TokenSource = () => MaybePromise<string | null | undefined>;

export type ClientOptions = {
  /** Where Goalpost is served, e.g. `https://goals.example.com` or `/api` (the client adds `/invoke`). */
  baseUrl: string;
  /** Defaults to the global `fetch`, looked up at call time. */
  fetch?: typeof fetch;
  /** Retry policy for failures that a repeat can fix; `false` sends every call once. */
  retry?: RetryOptions | false;
  /** Deadline of one attempt, body included. Default 30,000 ms. */
  timeoutMs?: number;
  /** Called before each retry: log it, or tell the user. */
  onRetry?: (event: RetryEvent) => void;
} & ({ token: string; getToken?: never } | { getToken: TokenSource; token?: never });

export interface CallOptions {
  signal?: AbortSignal;
  /** Your own key for an idempotent action (keep it with a draft to survive a reload); else one is made. */
  idempotencyKey?: string;
  /** Sent as X-Request-Id (the server echoes it in errors and logs); else one is made. */
  requestId?: string;
  retry?: RetryOptions | false;
  timeoutMs?: number;
}

export interface RetryEvent {
  /** 1 for the first retry. */
  retry: number;
  delayMs: number;
  error: ApiErrorPayload;
  status: number | null;
}

export type BatchResult<T extends readonly unknown[]> = SuccessBody<{ -readonly [K in keyof T]: ItemResult<T[K]> }> | FailureBody;

export interface GoalpostClient {
  /** One call of POST /invoke; resolves to the success or the error body (never throws for API errors). */
  invoke<R extends ResourceName, A extends ActionName<R>>(
    envelope: Envelope<R, A>,
    options?: CallOptions,
  ): Promise<InvokeResult<ActionResult<R, A>>>;
  /**
   * 1–25 calls in one request: each item succeeds or fails on its own (they are not one transaction).
   * The outer body fails only when the whole request does (credentials, rate limit, size).
   */
  batch<const T extends readonly AnyEnvelope[]>(items: T, options?: Omit<CallOptions, 'idempotencyKey'>): Promise<BatchResult<T>>;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** 128 random bits as hex: works in browsers (even outside secure contexts), Node and Workers. */
function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isBody = (value: unknown): value is SuccessBody<unknown> | FailureBody =>
  isObject(value) &&
  (value.success === true || (value.success === false && isObject(value.error) && typeof value.error.code === 'string'));

class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/** One attempt's outcome, with what the retry decision needs. */
interface Outcome {
  body: unknown;
  /** null when no response arrived. */
  status: number | null;
  error: ApiErrorPayload | null;
  retryAfterMs: number | null;
}

const clientError = (code: ApiErrorPayload['code'], message: string, requestId: string, retryable: boolean): ApiErrorPayload => ({
  code,
  message,
  retryable,
  request_id: requestId,
});

/** `fetch failed (other side closed)`: the runtime's words, for the log; never a secret. */
function describeFailure(err: unknown): string {
  if (!(err instanceof Error)) return 'The request failed before an answer arrived.';
  const cause = err.cause instanceof Error ? ` (${err.cause.message})` : '';
  return `The request failed before an answer arrived: ${err.message}${cause}.`;
}

export function createClient(options: ClientOptions): GoalpostClient {
  const url = `${options.baseUrl.replace(/\/+$/, '')}/invoke`;
  const doFetch: typeof fetch = (input, init) => (options.fetch ?? globalThis.fetch)(input, init);
  const token: TokenSource = options.getToken ?? (() => options.token);

  const policyFor = (call: CallOptions): RetryPolicy | null => {
    const choice = call.retry ?? options.retry;
    return choice === false ? null : { ...DEFAULT_RETRY, ...choice };
  };

  async function attempt(body: string, headers: Record<string, string>, requestId: string, call: CallOptions, batch: boolean): Promise<Outcome> {
    const bearer = await token();
    const timeoutMs = call.timeoutMs ?? options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const controller = new AbortController();
    const onAbort = () => controller.abort(call.signal?.reason);
    call.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => controller.abort(new TimeoutError(`No answer within ${timeoutMs} ms.`)), timeoutMs);
    try {
      const res = await doFetch(url, {
        method: 'POST',
        headers: { ...headers, ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}) },
        body,
        signal: controller.signal,
      });
      const text = await res.text();
      const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), Date.now());
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      if (isBody(parsed)) {
        return { body: parsed, status: res.status, error: parsed.success ? null : parsed.error, retryAfterMs };
      }
      if (batch && res.ok && Array.isArray(parsed) && parsed.every(isBody)) {
        return { body: { success: true, data: parsed }, status: res.status, error: null, retryAfterMs };
      }
      const error = clientError(
        'BAD_RESPONSE',
        `HTTP ${res.status} with a body that is not a Goalpost answer.`,
        res.headers.get('x-request-id') ?? requestId,
        [429, 502, 503, 504].includes(res.status),
      );
      return { body: { success: false, error }, status: res.status, error, retryAfterMs };
    } catch (err) {
      if (call.signal?.aborted) throw call.signal.reason;
      const timedOut = controller.signal.reason instanceof TimeoutError;
      const message = timedOut ? `No answer within ${timeoutMs} ms.` : describeFailure(err);
      const error = clientError('NETWORK_ERROR', message, requestId, true);
      return { body: { success: false, error }, status: null, error, retryAfterMs: null };
    } finally {
      clearTimeout(timer);
      call.signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * A 429 means nothing ran (the contract: a 4xx changes nothing), so any call may repeat it. Other
   * failures may have run: only reads and idempotent calls carrying our key are sent again.
   */
  function mayRetry(outcome: Outcome, kind: ActionKind, hasKey: boolean): boolean {
    if (outcome.error === null) return false;
    if (outcome.status === 429) return true;
    if (!outcome.error.retryable) return false;
    return kind === 'read' || (kind === 'idempotent' && hasKey);
  }

  async function send(payload: unknown, kind: ActionKind, call: CallOptions, batch: boolean): Promise<unknown> {
    const requestId = call.requestId ?? randomToken();
    const key = call.idempotencyKey ?? (kind === 'idempotent' ? randomToken() : undefined);
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      Accept: 'application/json',
      'X-Request-Id': requestId,
      ...(key === undefined ? {} : { 'Idempotency-Key': key }),
    };
    const body = JSON.stringify(payload);
    const policy = policyFor(call);
    for (let retry = 0; ; retry += 1) {
      const outcome = await attempt(body, headers, requestId, call, batch);
      if (!policy || retry >= policy.retries || !outcome.error || !mayRetry(outcome, kind, key !== undefined)) {
        return outcome.body;
      }
      const delayMs = outcome.retryAfterMs ?? backoffDelay(retry, policy);
      if (delayMs > policy.maxDelayMs) return outcome.body;
      options.onRetry?.({ retry: retry + 1, delayMs, error: outcome.error, status: outcome.status });
      await sleep(delayMs, call.signal);
    }
  }

  // The bodies are the server's: their types are the registry's promise, checked by the contract tests.
  return {
    invoke<R extends ResourceName, A extends ActionName<R>>(envelope: Envelope<R, A>, call: CallOptions = {}) {
      const kind = actionKind(envelope.resource, envelope.action);
      return send(envelope, kind, call, false) as Promise<InvokeResult<ActionResult<R, A>>>;
    },
    batch<const T extends readonly AnyEnvelope[]>(items: T, call: CallOptions = {}) {
      // A batch is repeated after a possible partial run only when every item is a read.
      const kind: ActionKind = items.every((e) => actionKind(e.resource, e.action) === 'read') ? 'read' : 'write';
      // The server refuses an Idempotency-Key on a batch: items are keyed on their own or not at all.
      return send(items, kind, { ...call, idempotencyKey: undefined }, true) as Promise<BatchResult<T>>;
    },
  };
}

let shared: GoalpostClient | null = null;

const configured = (): GoalpostClient => {
  if (!shared) throw new Error('Call ApiService.configure({ baseUrl, token | getToken }) before ApiService.invoke.');
  return shared;
};

/** A ready client for apps that call `ApiService.invoke(...)`: configure it once at start-up. */
export const ApiService: GoalpostClient & { configure(options: ClientOptions): void } = {
  configure(options) {
    shared = createClient(options);
  },
  invoke: async (envelope, call) => configured().invoke(envelope, call),
  batch: async (items, call) => configured().batch(items, call),
};
