import { base64Url, sha256Hex } from '../platform/encoding.js';

/** API keys are `gp_` + 32 random bytes in base64url; only a SHA-256 hash, a prefix and the last four are stored. */
export const KEY_PATTERN = /^gp_[A-Za-z0-9_-]{43}$/;

export const hashKey = (key: string): Promise<string> => sha256Hex(key);

export interface NewApiKey {
  key: string;
  hash: string;
  prefix: string;
  lastFour: string;
}

export async function generateApiKey(): Promise<NewApiKey> {
  const key = `gp_${base64Url(crypto.getRandomValues(new Uint8Array(32)))}`;
  return { key, hash: await hashKey(key), prefix: key.slice(0, 8), lastFour: key.slice(-4) };
}
