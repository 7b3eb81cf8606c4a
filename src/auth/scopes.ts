export const SCOPES = [
  'goals:read',
  'goals:write',
  'agents:read',
  'agents:write',
  'outcomes:read',
  'outcomes:write',
  'events:read',
] as const;
export type Scope = (typeof SCOPES)[number];

export const isScope = (value: string): value is Scope => (SCOPES as readonly string[]).includes(value);

/**
 * What a key stores in place of a list when it was made without --scopes: every scope, including
 * the ones later versions add. A list is never widened by an upgrade.
 */
export const ALL_SCOPES = '*' as const;

/** A key's grant as stored: all scopes, or exactly these. */
export type KeyScopes = typeof ALL_SCOPES | readonly Scope[];

export const encodeKeyScopes = (scopes: KeyScopes): string => JSON.stringify(scopes === ALL_SCOPES ? [ALL_SCOPES] : scopes);

/** Unknown scope strings in a stored row are ignored rather than trusted. */
export function decodeKeyScopes(json: string): KeyScopes {
  const value: unknown = JSON.parse(json);
  if (!Array.isArray(value)) return [];
  if (value.includes(ALL_SCOPES)) return ALL_SCOPES;
  return value.filter((s): s is Scope => typeof s === 'string' && isScope(s));
}

/** The scopes a grant holds in this version. */
export const grantedScopes = (scopes: KeyScopes): readonly Scope[] => (scopes === ALL_SCOPES ? SCOPES : scopes);

/** `x:write` implies `x:read`. */
export function hasScope(granted: readonly Scope[], required: Scope): boolean {
  if (granted.includes(required)) return true;
  const [resource, level] = required.split(':');
  return level === 'read' && granted.includes(`${resource}:write` as Scope);
}
