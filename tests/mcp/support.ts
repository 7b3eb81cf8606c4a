import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { listen, type Listening } from '../client/support.js';
import type { Harness } from '../support/harness.js';

/**
 * The protocol generations Goalpost serves, each spoken by an official client as agents run them:
 * SDK v2 on 2026-07-28 (no handshake), SDK v1 on 2025-11-25, and SDK v1 offering 2025-06-18 (what
 * clients built before 2025-11-25 send; v1 1.32 offers only its latest, so its offer is rewritten).
 */
export const GENERATIONS = ['2026-07-28', '2025-11-25', '2025-06-18'] as const;
export type Generation = (typeof GENERATIONS)[number];

/** What a test needs of either client generation. */
export interface McpSession {
  generation: Generation;
  /** The protocol version the client and server settled on. */
  protocolVersion: string | undefined;
  listTools(): Promise<ToolInfo[]>;
  callTool(name: string, args: Record<string, unknown>): Promise<ToolAnswer>;
  /** Every HTTP answer the client received, with the HTTP and JSON-RPC method of its request. */
  answers: { status: number; contentType: string | null; httpMethod: string; method: string }[];
  close(): Promise<void>;
}

export interface ToolInfo {
  name: string;
  description?: string | undefined;
  inputSchema: { type: 'object'; properties?: Record<string, any>; required?: string[]; [key: string]: unknown };
  outputSchema?: unknown;
  annotations?: { readOnlyHint?: boolean; destructiveHint?: boolean; idempotentHint?: boolean; openWorldHint?: boolean } | undefined;
}

export interface ToolAnswer {
  isError?: boolean | undefined;
  content: unknown[];
  structuredContent?: Record<string, any> | undefined;
}

/** Framing of the hop between this proxy and the app, which the proxy's own answer must not repeat. */
const HOP_HEADERS = ['content-encoding', 'content-length', 'transfer-encoding'];

/** The harness's app over real HTTP: Node's in process, the Worker's in workerd, behind one local port. */
export const serveOverHttp = (h: Harness): Promise<Listening> =>
  listen(async (req) => {
    const url = new URL(req.url);
    const headers = new Headers(req.headers);
    headers.delete('accept-encoding');
    const res = await h.request(url.pathname + url.search, {
      method: req.method,
      headers,
      ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body: await req.arrayBuffer() }),
    });
    const answer = new Headers(res.headers);
    for (const name of HOP_HEADERS) answer.delete(name);
    return new Response(res.body, { status: res.status, headers: answer });
  });

/** fetch that records each answer, and (for 2025-06-18) offers that version in `initialize`. */
function recordingFetch(answers: McpSession['answers'], offer?: string): typeof fetch {
  return async (input, init) => {
    let body = init?.body;
    let method = '';
    if (typeof body === 'string') {
      const message = JSON.parse(body) as { method?: string; params?: { protocolVersion?: string } };
      method = message.method ?? '';
      if (offer && message.method === 'initialize' && message.params) {
        message.params.protocolVersion = offer;
        body = JSON.stringify(message);
      }
    }
    const res = await fetch(input, { ...init, body });
    answers.push({ status: res.status, contentType: res.headers.get('content-type'), httpMethod: init?.method ?? 'GET', method });
    return res;
  };
}

/** Connects an official MCP client of `generation` to `<url>/mcp` with a Bearer token (or none). */
export async function connect(url: string, token: string | null, generation: Generation): Promise<McpSession> {
  const endpoint = new URL('/mcp', url);
  const headers: Record<string, string> = token === null ? {} : { Authorization: `Bearer ${token}` };
  const answers: McpSession['answers'] = [];
  const info = { name: 'goalpost-tests', version: '1.0.0' };

  if (generation === '2026-07-28') {
    const client = new ClientV2(info, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await client.connect(new TransportV2(endpoint, { requestInit: { headers }, fetch: recordingFetch(answers) }));
    return {
      generation,
      protocolVersion: client.getNegotiatedProtocolVersion(),
      listTools: async () => (await client.listTools()).tools as ToolInfo[],
      callTool: (name, args) => client.callTool({ name, arguments: args }) as Promise<ToolAnswer>,
      answers,
      close: () => client.close(),
    };
  }
  const client = new ClientV1(info);
  const transport = new TransportV1(endpoint, {
    requestInit: { headers },
    fetch: recordingFetch(answers, generation === '2025-06-18' ? generation : undefined),
  });
  await client.connect(transport);
  return {
    generation,
    protocolVersion: transport.protocolVersion,
    listTools: async () => (await client.listTools()).tools as ToolInfo[],
    callTool: (name, args) => client.callTool({ name, arguments: args }) as Promise<ToolAnswer>,
    answers,
    close: () => client.close(),
  };
}

/** A JSON-RPC request as each generation sends it over HTTP, for raw fetch checks. */
export function rawRequest(generation: Generation, method: string, params: Record<string, unknown> = {}, id = 1) {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };
  if (generation === '2026-07-28') {
    Object.assign(headers, { 'MCP-Protocol-Version': generation, 'Mcp-Method': method });
    if (method === 'tools/call' && typeof params.name === 'string') headers['Mcp-Name'] = params.name;
    const meta = {
      'io.modelcontextprotocol/protocolVersion': generation,
      'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1.0.0' },
      'io.modelcontextprotocol/clientCapabilities': {},
    };
    return { headers, body: JSON.stringify({ jsonrpc: '2.0', id, method, params: { ...params, _meta: meta } }) };
  }
  if (method !== 'initialize') headers['MCP-Protocol-Version'] = generation;
  const body =
    method === 'initialize'
      ? { jsonrpc: '2.0', id, method, params: { protocolVersion: generation, capabilities: {}, clientInfo: { name: 'raw', version: '1.0.0' } } }
      : { jsonrpc: '2.0', id, method, params };
  return { headers, body: JSON.stringify(body) };
}

/** A sample envelope as tool arguments: `data`'s keys at the top level, beside `id` (and `admin`). */
export const argumentsOf = (envelope: Record<string, unknown>): Record<string, unknown> => ({
  ...(envelope.id === undefined ? {} : { id: envelope.id }),
  ...(envelope.admin === undefined ? {} : { admin: envelope.admin }),
  ...(envelope.data as Record<string, unknown> | undefined),
});

/** The tool of a sample envelope: `goals_attach` for goals.attach. */
export const toolOf = (envelope: Record<string, unknown>): string => `${String(envelope.resource)}_${String(envelope.action)}`;
