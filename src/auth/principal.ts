import type { Scope } from './scopes.js';

/** Who is calling, whatever the credential: an API key or a JWT session. */
export interface Principal {
  userId: string;
  role: 'user' | 'admin';
  scopes: readonly Scope[];
  /** The API key used, or null for a JWT session. */
  keyId: string | null;
}
