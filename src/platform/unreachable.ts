/** The `default` of an exhaustive switch: a new case that is not handled is a compile error here. */
export function unreachable(value: never): never {
  throw new Error(`Unhandled case: ${JSON.stringify(value)}`);
}
