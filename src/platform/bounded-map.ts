/**
 * Sets `key` in a Map used as a bounded cache: when full, the oldest insertion goes first (Maps
 * iterate in insertion order), so memory stays bounded whatever keys callers send.
 */
export function setBounded<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  if (!map.has(key) && map.size >= max) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
  map.set(key, value);
}
