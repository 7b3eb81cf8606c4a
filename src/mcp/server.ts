import {
  createMcpHandler,
  isLegacyRequest,
  ProtocolError,
  ProtocolErrorCode,
  Server,
  WebStandardStreamableHTTPServerTransport,
  type CallToolResult,
  type McpHttpHandler,
} from '@modelcontextprotocol/server';
import { isPlainObject } from '../platform/objects.js';
import { API_VERSION } from '../rpc/catalog.js';
import type { Services } from '../rpc/context.js';
import { dispatch, type Call } from '../rpc/dispatch.js';
import { BODY_LIMIT } from '../rpc/envelope.js';
import { errorBody, toApiError, type ApiError } from '../rpc/errors.js';
import { allTools, argumentDetails, envelopeOf, toolsFor, type GoalpostTool } from './tools.js';

/** Who calls, as the HTTP edge admitted them. */
export interface McpCall extends Call {
  /** Set when the request budget is spent: a tool call answers it as its error, like any other. */
  refusal?: ApiError | undefined;
}

const INSTRUCTIONS =
  'Goalpost keeps the goals of AI agents: what an agent should achieve in a conversation and which lead-info fields it collects. ' +
  'Each tool is one action of the Goalpost API. A failed call returns isError with { code, message, retryable, details, request_id }: ' +
  'fix the arguments named in details when retryable is false, back off and retry when it is true.';

/** A tool's answer: the result (or the contract's error object) as structured content and as text. */
function toolResult(value: unknown, isError: boolean): CallToolResult {
  // structuredContent must be an object; every result is one today (a test checks the schemas).
  const structured = isPlainObject(value) ? value : { result: value };
  return { content: [{ type: 'text', text: JSON.stringify(value) }], structuredContent: structured, ...(isError ? { isError: true } : {}) };
}

/** The call → dispatch bridge: the same dispatcher, so the same rules as POST /invoke. */
async function runTool(tool: GoalpostTool, args: Record<string, unknown>, call: McpCall, services: Services): Promise<CallToolResult> {
  const { refusal, ...caller } = call;
  try {
    if (refusal) throw refusal;
    const { envelope, idempotencyKey } = envelopeOf(tool.spec, args);
    const outcome = await dispatch(envelope, { ...caller, idempotencyKey }, services);
    return toolResult(outcome.data, false);
  } catch (err) {
    const apiError = toApiError(err);
    if (apiError.code === 'INTERNAL_ERROR') services.logger.error('unhandled error in an MCP tool call', { request_id: call.requestId, err });
    const { error } = errorBody(apiError, call.requestId);
    return toolResult(error.details ? { ...error, details: argumentDetails(error.details) } : error, true);
  }
}

/** One low-level Server per request: its tools are the caller's, its handlers close over the call. */
function buildServer(call: McpCall, services: Services): Server {
  const server = new Server({ name: 'goalpost', version: API_VERSION }, { capabilities: { tools: {} }, instructions: INSTRUCTIONS });
  server.setRequestHandler('tools/list', () => ({ tools: toolsFor(call.principal).map((tool) => tool.definition) }));
  server.setRequestHandler('tools/call', async (request) => {
    const tool = allTools().get(request.params.name);
    // A tool the caller's scopes hide still exists: calling it is a FORBIDDEN result, as on /invoke.
    if (!tool) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown tool: ${request.params.name}`);
    const result = await runTool(tool, request.params.arguments ?? {}, call, services);
    return server.projectCallToolResult(result, undefined);
  });
  return server;
}

export interface McpEndpoint {
  /** Serves one admitted POST whose body (already read within the limit) is `text`; throws an ApiError for the HTTP edge. */
  handle(request: Request, text: string, call: McpCall): Promise<Response>;
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
};

/**
 * Streamable HTTP, stateless, JSON answers for every protocol version: 2026-07-28 requests go to
 * the SDK's handler in JSON mode; 2025-era ones (which that handler would answer as SSE) to a
 * per-request stateless transport with JSON responses. Both build the same server.
 */
export function createMcpEndpoint(services: Services): McpEndpoint {
  const { logger } = services;
  // The modern handler's factory is shared; it finds the caller of each request here.
  const calls = new WeakMap<Request, McpCall>();
  let modern: McpHttpHandler | undefined;
  const modernHandler = (): McpHttpHandler =>
    (modern ??= createMcpHandler(
      ({ requestInfo }) => {
        const call = requestInfo && calls.get(requestInfo);
        if (!call) throw new Error('an MCP request reached the server factory without its caller');
        return buildServer(call, services);
      },
      {
        legacy: 'reject',
        responseMode: 'json',
        maxRequestBodySize: BODY_LIMIT,
        // Protocol-level refusals (bad headers, unsupported versions) are answered to the client.
        onerror: (err) => logger.debug('MCP request refused or failed', { err }),
      },
    ));

  async function serveLegacy(request: Request, parsedBody: unknown, call: McpCall): Promise<Response> {
    const server = buildServer(call, services);
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
      maxRequestBodySize: BODY_LIMIT,
    });
    await server.connect(transport);
    try {
      return await transport.handleRequest(request, parsedBody === undefined ? {} : { parsedBody });
    } finally {
      await transport.close();
      await server.close();
    }
  }

  return {
    async handle(request, text, call) {
      // The edge consumed the body to bound its size; the SDK gets an unread copy.
      const forward = new Request(request.url, { method: 'POST', headers: request.headers, body: text });
      const parsedBody = parseJson(text);
      // Over the request budget, a tool call is answered as the tool's error (what an agent reads);
      // anything else (initialize, tools/list, a batch) is the contract's 429.
      const toolCall = isPlainObject(parsedBody) && parsedBody.method === 'tools/call';
      if (call.refusal && !toolCall) throw call.refusal;
      if (await isLegacyRequest(forward, parsedBody, { maxRequestBodySize: BODY_LIMIT })) return serveLegacy(forward, parsedBody, call);
      calls.set(forward, call);
      return modernHandler().fetch(forward, parsedBody === undefined ? {} : { parsedBody });
    },
  };
}
