import type { ActionResult } from '../client/index.js';

/** One event of the feed, as GET /events sends it: an events.list item (DESIGN section 7). */
export type FeedEvent = ActionResult<'events', 'list'>['items'][number];

export interface FollowOptions {
  token: () => string | null;
  /** Query of GET /events: goal_id, agent_id, types, admin. */
  query: Record<string, string>;
  onEvent: (event: FeedEvent) => void;
  onState: (text: string, failed: boolean) => void;
}

/** Splits a text stream into SSE frames (blank-line separated) and yields each frame's fields. */
function parseFrame(frame: string): { id?: string; event?: string; data: string[]; retry?: number } {
  const out: { id?: string; event?: string; data: string[]; retry?: number } = { data: [] };
  for (const line of frame.split(/\r?\n/)) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') out.id = value;
    else if (field === 'event') out.event = value;
    else if (field === 'data') out.data.push(value);
    else if (field === 'retry' && /^\d+$/.test(value)) out.retry = Number(value);
  }
  return out;
}

/**
 * Follows GET /events with fetch and a stream reader (EventSource cannot send an Authorization
 * header, and the token must never be in a URL). The server closes a stream after at most 5
 * minutes; this reconnects with Last-Event-ID, so no event is lost. Returns a function that stops.
 */
export function followEvents(options: FollowOptions): () => void {
  const controller = new AbortController();
  let lastId: string | null = null;
  let retryMs = 2000;

  async function connect(): Promise<void> {
    const token = options.token();
    if (!token) return;
    const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' };
    if (lastId !== null) headers['Last-Event-ID'] = lastId;
    const res = await fetch(`/events?${new URLSearchParams(options.query).toString()}`, { headers, signal: controller.signal });
    if (!res.ok || !res.body) {
      options.onState(`Live events unavailable (HTTP ${res.status}).`, true);
      return;
    }
    options.onState('Live: new events appear here as they happen.', false);
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      const frames = buffer.split(/\r?\n\r?\n/);
      buffer = frames.pop() ?? '';
      for (const frame of frames) {
        const parsed = parseFrame(frame);
        if (parsed.retry !== undefined) retryMs = parsed.retry;
        if (parsed.id !== undefined) lastId = parsed.id;
        if (parsed.data.length === 0) continue;
        try {
          options.onEvent(JSON.parse(parsed.data.join('\n')) as FeedEvent);
        } catch {
          // A frame that is not an event's JSON is skipped, not fatal to the stream.
        }
      }
    }
    // The server ended the stream (its time bound): come back after `retry`.
    await new Promise((resolve) => setTimeout(resolve, retryMs));
    if (!controller.signal.aborted) await connect();
  }

  connect().catch((err: unknown) => {
    if (!controller.signal.aborted) options.onState(`Live events stopped: ${err instanceof Error ? err.message : String(err)}`, true);
  });
  return () => controller.abort();
}
