/** A JSON-style object: not null, not an array. (src/client keeps its own copy: it imports nothing.) */
export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
