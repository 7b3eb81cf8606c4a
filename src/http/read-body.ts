import { BODY_LIMIT } from '../rpc/envelope.js';
import { ApiError } from '../rpc/errors.js';

const tooLarge = (limit: number) => new ApiError('PAYLOAD_TOO_LARGE', `The body is over ${limit} bytes.`);

/**
 * Reads the body while counting, so a chunked body over the limit is cut off, not buffered.
 * Every POST route (/invoke, /mcp) reads its body through this.
 */
export async function readBody(req: Request, limit: number = BODY_LIMIT): Promise<string> {
  const declared = Number(req.headers.get('content-length') ?? '0');
  if (declared > limit) throw tooLarge(limit);
  // A body of declared length is read whole, which skips building a web stream (costly on Node):
  // HTTP framing stops it at that length. A body longer than it claims is still measured.
  if (req.headers.has('content-length') && !req.headers.has('transfer-encoding')) {
    const text = await req.text();
    if (text.length > declared && new TextEncoder().encode(text).byteLength > limit) throw tooLarge(limit);
    return text;
  }
  if (!req.body) return '';
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}
