/**
 * Whether `value` is a plain JSON-like object (not `null`, not an array): the one check every parser
 * in core uses before it reads a field of an answer.
 */
export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
