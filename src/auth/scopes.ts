export const SCOPES = ['goals:read', 'goals:write', 'agents:read', 'agents:write', 'outcomes:read', 'outcomes:write'] as const;
export type Scope = (typeof SCOPES)[number];

export const isScope = (value: string): value is Scope => (SCOPES as readonly string[]).includes(value);

/** `x:write` implies `x:read`. */
export function hasScope(granted: readonly Scope[], required: Scope): boolean {
  if (granted.includes(required)) return true;
  const [resource, level] = required.split(':');
  return level === 'read' && granted.includes(`${resource}:write` as Scope);
}
