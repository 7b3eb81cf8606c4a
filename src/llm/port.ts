import type { z } from 'zod';

/** One structured completion: fixed instructions, untrusted input, an output schema. */
export interface JsonRequest {
  /** Written by the service; sent as the system message. */
  instructions: string;
  /** Written by a caller; sent as the user message, as data to work on, never as instructions. */
  input: string;
  /** Names the output format for the provider: a-z, A-Z, 0-9, `_`, `-`, at most 64. */
  schemaName: string;
  /** The output's shape, sent as a strict JSON Schema. The answer is not validated against it here. */
  schema: z.ZodType;
  /** Cap on the tokens of the answer. */
  maxOutputTokens: number;
  /** Sampling temperature: 0 for judgements that must repeat, higher for suggestions. */
  temperature: number;
  /** Ties the port's debug line to the request's access-log line. */
  requestId?: string;
}

export interface JsonAnswer {
  /** The answer's JSON, parsed but not yet validated: the caller owns that. */
  value: unknown;
  /** The model that answered, as the provider names it. */
  model: string;
}

/**
 * - `timeout`: no answer within the deadline, retries included.
 * - `upstream`: the provider failed (HTTP error after retries, connection failure).
 * - `bad-output`: an answer that is not usable JSON, or was cut off at the token cap.
 * - `refused`: the model declined (a refusal or a content filter).
 */
export type LlmFailure = 'timeout' | 'upstream' | 'bad-output' | 'refused';

/** Raised by a port for every provider failure; `detail` is ours (never provider text), for the log. */
export class LlmError extends Error {
  override readonly name = 'LlmError';
  constructor(
    readonly kind: LlmFailure,
    readonly detail: string,
    readonly retryable: boolean,
    options: { cause?: unknown } = {},
  ) {
    super(`LLM ${kind}: ${detail}`, options);
  }
}

/**
 * The LLM as the rest of the service sees it. Only `src/llm/` knows which SDK is behind it.
 */
export interface LlmPort {
  /** The configured model. */
  readonly model: string;
  /** Where the provider is (no user info): a misconfiguration's log line names it with the model. */
  readonly baseUrl: string;
  /** One completion whose answer is JSON. Resolves to it, or rejects with an `LlmError`. */
  completeJson(request: JsonRequest): Promise<JsonAnswer>;
}
