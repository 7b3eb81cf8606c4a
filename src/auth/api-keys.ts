/** API keys are `gp_` + 32 random bytes in base64url; only a SHA-256 hash, a prefix and the last four are stored. */
export const KEY_PATTERN = /^gp_[A-Za-z0-9_-]{43}$/;

const toBase64Url = (bytes: Uint8Array): string => {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};

export async function hashKey(key: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

export interface NewApiKey {
  key: string;
  hash: string;
  prefix: string;
  lastFour: string;
}

export async function generateApiKey(): Promise<NewApiKey> {
  const key = `gp_${toBase64Url(crypto.getRandomValues(new Uint8Array(32)))}`;
  return { key, hash: await hashKey(key), prefix: key.slice(0, 8), lastFour: key.slice(-4) };
}
