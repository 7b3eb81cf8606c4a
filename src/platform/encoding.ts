/** base64url without padding (RFC 4648 §5), for tokens and cursors that travel in JSON and URLs. */
export function base64Url(data: Uint8Array | string): string {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const utf8 = new TextDecoder();

/** The text a `base64Url(string)` encoded; throws on input that is not base64url. */
export function textFromBase64Url(encoded: string): string {
  const binary = atob(encoded.replace(/-/g, '+').replace(/_/g, '/'));
  // A plain loop: `Uint8Array.from(binary, mapFn)` walks the string by iterator, 4× slower per cursor.
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return utf8.decode(bytes);
}

/** SHA-256 of the text's UTF-8 bytes, as 64 lowercase hex digits (Web Crypto: Node and Workers). */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
