let counter = 0;
const session = Math.floor(Math.random() * 36 ** 6).toString(36).padStart(6, '0');

/** A short id, unique within a document: prefix, a per-load random part, a counter. */
export function newId(prefix: string): string {
  counter += 1;
  return `${prefix}${session}${counter.toString(36)}`;
}
