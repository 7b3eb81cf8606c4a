/** One Server-Sent Events frame as sent: its fields, or a comment line (`: ping`). */
export interface Frame {
  id?: string;
  event?: string;
  data?: string;
  retry?: string;
  comment?: string;
}

export interface FrameReader {
  /** The next frame; rejects when none comes within `ms` or the stream ends first. */
  next(ms?: number): Promise<Frame>;
  /** Frames until one matches (the ones before are returned too). */
  until(match: (frame: Frame) => boolean, ms?: number): Promise<Frame[]>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  /** Ends the stream from the client side, as a closed tab does. */
  cancel(): Promise<void>;
}

function parse(block: string): Frame {
  const frame: Frame = {};
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) frame.comment = line.slice(1).trim();
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const field = line.slice(0, colon) as keyof Frame;
    const value = line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id' || field === 'event' || field === 'data' || field === 'retry') frame[field] = value;
  }
  return frame;
}

/** Reads a text/event-stream body frame by frame. */
export function readFrames(res: Response): FrameReader {
  if (!res.body) throw new Error('no body');
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  const frames: Frame[] = [];
  const waiting: (() => void)[] = [];
  let done = false;
  let buffer = '';
  const ended = (async () => {
    try {
      for (;;) {
        const { value, done: finished } = await reader.read();
        if (finished) break;
        buffer += value;
        let cut = buffer.indexOf('\n\n');
        while (cut >= 0) {
          const frame = parse(buffer.slice(0, cut));
          // An empty comment is the Worker's probe of a live client (StreamTimings.probeEachPoll):
          // every client ignores comments, so these tests do too; pings (`: ping`) are kept.
          if (frame.comment !== '' || Object.keys(frame).length > 1) frames.push(frame);
          buffer = buffer.slice(cut + 2);
          cut = buffer.indexOf('\n\n');
        }
        for (const wake of waiting.splice(0)) wake();
      }
    } catch {
      // cancelled by the client
    } finally {
      done = true;
      for (const wake of waiting.splice(0)) wake();
    }
  })();

  async function next(ms = 5000): Promise<Frame> {
    const deadline = Date.now() + ms;
    for (;;) {
      const frame = frames.shift();
      if (frame) return frame;
      if (done) throw new Error('the stream ended');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no frame within ${ms} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        waiting.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  return {
    next,
    async until(match, ms = 5000) {
      const seen: Frame[] = [];
      for (;;) {
        const frame = await next(ms);
        seen.push(frame);
        if (match(frame)) return seen;
      }
    },
    ended,
    cancel: async () => {
      await reader.cancel().catch(() => undefined);
    },
  };
}

/** The events (not comments or the retry frame) among frames. */
export const eventsOf = (frames: readonly Frame[]): Frame[] => frames.filter((f) => f.event !== undefined);
