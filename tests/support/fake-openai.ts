import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local OpenAI-compatible server for tests: the real SDK talks to it over HTTP. It records every
 * request and plays scripted answers in order. A plain Node server, so any target can reach it.
 */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, or the raw text when it is not JSON. */
  body: any;
}

export type Answer =
  /** A string body is sent as it is; anything else as JSON. */
  | { status: number; body: unknown; headers?: Record<string, string> }
  /** Never answers; the connection stays open until the client gives up or the server closes. */
  | { hang: true }
  /** Closes the connection without an answer: a connection error for the client. */
  | { drop: true };

/** An answer chosen by looking at the request (e.g. by its response format). */
export type Responder = (request: RecordedRequest) => Answer;

export interface FakeOpenAi {
  /** The value for OPENAI_BASE_URL. */
  url: string;
  requests: RecordedRequest[];
  /** Answers for the next requests, in order; a promise delays its answer until it settles. */
  enqueue(...answers: (Answer | Promise<Answer>)[]): void;
  /** The answer once the queue is empty (by default a 500 saying nothing was scripted). */
  fallback(answer: Answer | Responder): void;
  /** Resolves once `n` requests have arrived. */
  waitForRequests(n: number): Promise<void>;
  /** Forgets requests, queue and fallback. */
  reset(): void;
  close(): Promise<void>;
}

/** An OpenAI error body, as the real API sends it. */
export const failure = (status: number, headers: Record<string, string> = {}, message = 'Upstream failure'): Answer => ({
  status,
  headers,
  body: { error: { message, type: 'server_error', param: null, code: null } },
});

/** A chat completion whose message content is `content` (an object is sent as JSON text). */
export function completion(
  content: unknown,
  options: { finishReason?: string; refusal?: string | null; model?: string } = {},
): Answer {
  return {
    status: 200,
    body: {
      id: 'chatcmpl-fake',
      object: 'chat.completion',
      created: 1_767_225_600,
      model: options.model ?? 'fake-model-2026-01-01',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: typeof content === 'string' || content === null ? content : JSON.stringify(content),
            refusal: options.refusal ?? null,
          },
          finish_reason: options.finishReason ?? 'stop',
        },
      ],
      usage: { prompt_tokens: 100, completion_tokens: 50, total_tokens: 150 },
    },
  };
}

/** Answers by the name of the request's `json_schema` response format: one model for every LLM action. */
export const bySchemaName =
  (answers: Record<string, Answer>): Responder =>
  (request) =>
    answers[request.body?.response_format?.json_schema?.name] ?? NOTHING_SCRIPTED;

const NOTHING_SCRIPTED = failure(500, { 'x-should-retry': 'false' }, 'The fake server had no answer scripted for this request.');

export async function startFakeOpenAi(): Promise<FakeOpenAi> {
  const requests: RecordedRequest[] = [];
  let queue: (Answer | Promise<Answer>)[] = [];
  let fallbackAnswer: Answer | Responder = NOTHING_SCRIPTED;
  let waiters: { n: number; resolve: () => void }[] = [];

  const send = (res: ServerResponse, answer: Answer) => {
    if ('hang' in answer) return;
    if ('drop' in answer) {
      res.socket?.destroy();
      return;
    }
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    res.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // Kept as text: a test can still look at it.
      }
      const request: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
      requests.push(request);
      waiters = waiters.filter((w) => (requests.length >= w.n ? (w.resolve(), false) : true));
      const next = queue.shift() ?? (typeof fallbackAnswer === 'function' ? fallbackAnswer(request) : fallbackAnswer);
      void Promise.resolve(next).then((answer) => send(res, answer));
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    enqueue: (...answers) => {
      queue.push(...answers);
    },
    fallback: (answer) => {
      fallbackAnswer = answer;
    },
    waitForRequests: (n) =>
      requests.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve })),
    reset: () => {
      requests.length = 0;
      queue = [];
      fallbackAnswer = NOTHING_SCRIPTED;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
