import { ConfigurationError } from './errors';
import { isRecord } from './is-record';

/**
 * What one option may hold: a test, and the words an error uses to say what is allowed. Build rules
 * with {@link optionRules}; check a factory's options with {@link checkOptions}.
 */
export interface OptionRule {
  /** Whether `value` (never `undefined` here) is allowed. */
  test(value: unknown): boolean;
  /** What is allowed, for the error ("a positive number of milliseconds"). */
  allowed: string;
  /** Whether the option must be given. @default false */
  required?: boolean;
  /** The error may quote a refused value (short enum values only, never a secret). @default false */
  quote?: boolean;
}

const isHttpUrl = (value: unknown): boolean => {
  if (typeof value !== 'string') return false;
  try {
    const { protocol } = new URL(value);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
};

/**
 * The rules factories share.
 *
 * @example
 * ```ts
 * checkOptions('myAdapter', options, { clientId: optionRules.string({ required: true }), timeout: optionRules.positive('milliseconds') });
 * ```
 */
export const optionRules = {
  /** A non-empty string. */
  string: (o: { required?: boolean; allowed?: string } = {}): OptionRule => ({
    test: (v) => typeof v === 'string' && v.trim() !== '',
    allowed: 'a non-empty string',
    ...o,
  }),
  /** A string `test` accepts (e.g. a path starting with `/`). */
  stringWhere: (
    test: (v: string) => boolean,
    allowed: string,
    o: { required?: boolean } = {},
  ): OptionRule => ({ test: (v) => typeof v === 'string' && test(v), allowed, ...o }),
  /** An absolute http(s) URL. */
  url: (o: { required?: boolean } = {}): OptionRule => ({
    test: isHttpUrl,
    allowed: 'an absolute http(s) URL',
    ...o,
  }),
  /** A finite number above 0 (`integer`: a whole one; `zero`: 0 allowed too). */
  positive: (unit: string, o: { integer?: boolean; zero?: boolean } = {}): OptionRule => ({
    test: (v) =>
      typeof v === 'number' &&
      (o.zero ? v >= 0 : v > 0) &&
      (o.integer ? Number.isInteger(v) : Number.isFinite(v)),
    allowed: `a ${o.zero ? 'non-negative' : 'positive'} ${o.integer ? 'whole ' : ''}number of ${unit}`,
  }),
  /** `true` or `false`. */
  boolean: (): OptionRule => ({ test: (v) => typeof v === 'boolean', allowed: 'true or false' }),
  /** A function. */
  function: (o: { required?: boolean } = {}): OptionRule => ({
    test: (v) => typeof v === 'function',
    allowed: 'a function',
    ...o,
  }),
  /** One of a few literal values. */
  oneOf: (...values: readonly (string | number | boolean)[]): OptionRule => ({
    test: (v) => values.includes(v as string),
    allowed: `one of ${values.map((v) => JSON.stringify(v)).join(', ')}`,
    quote: true,
  }),
  /** An object whose own options follow `rules` (reported as `parent.child`). */
  object: (
    rules: Readonly<Record<string, OptionRule>>,
    o: { required?: boolean } = {},
  ): OptionRule & { rules: Readonly<Record<string, OptionRule>> } => ({
    test: isRecord,
    allowed: 'an object',
    rules,
    ...o,
  }),
  /** Any value `test` accepts, described by `allowed`. */
  where: (
    test: (v: unknown) => boolean,
    allowed: string,
    o: { required?: boolean } = {},
  ): OptionRule => ({ test, allowed, ...o }),
} as const;

/** How an error names a value it must not quote: its type (`undefined`, `NaN`, `an array`, `a string`…). */
const kindOf = (value: unknown): string =>
  value == null || value !== value || value === Infinity || value === -Infinity
    ? String(value)
    : Array.isArray(value)
      ? 'an array'
      : `a${typeof value === 'object' ? 'n' : ''} ${typeof value}`;

/**
 * The known name closest to `name`, for "did you mean": the one sharing the longest start plus end
 * with it, ignoring case (a typo, a missing or extra letter, a plural), if they share more than 2
 * characters. Cheaper than an edit distance, and as good for option names.
 */
function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let top = 2;
  const a = name.toLowerCase();
  for (const candidate of known) {
    const b = candidate.toLowerCase();
    let start = 0;
    let end = 0;
    while (start < a.length && a[start] === b[start]) start++;
    while (
      end < Math.min(a.length, b.length) - start &&
      a[a.length - 1 - end] === b[b.length - 1 - end]
    )
      end++;
    if (start + end > top) [best, top] = [candidate, start + end];
  }
  return best;
}

/**
 * Checks a factory's options against `rules`: each given option must pass its rule, each required
 * one must be given, and an option no rule names is an error (a misspelling is reported, not
 * ignored). Throws a {@link ConfigurationError} naming the factory, the option, what was given (its
 * type; a value only for short enum rules) and what is allowed. Never quotes a secret.
 *
 * @example
 * ```ts
 * checkOptions('createAuthHandler', { timeout: '10s' }, { timeout: optionRules.positive('milliseconds') });
 * // ConfigurationError: createAuthHandler: "timeout" must be a positive number of milliseconds, not a string
 * ```
 */
export function checkOptions(
  factory: string,
  options: unknown,
  rules: Readonly<Record<string, OptionRule>>,
  path = '',
): void {
  const fail = (message: string) => {
    throw new ConfigurationError(`${factory}: ${message}`);
  };
  if (!isRecord(options))
    fail(`${path ? `"${path}"` : 'the options'} must be an object, not ${kindOf(options)}`);
  const known = Object.keys(rules);
  for (const name in options as object) {
    if (!known.includes(name)) {
      const guess = closest(name, known);
      fail(`unknown option "${path}${name}"${guess ? ` (did you mean "${path}${guess}"?)` : ''}`);
    }
  }
  for (const name of known) {
    const rule = rules[name]!;
    const value = (options as Record<string, unknown>)[name];
    const at = `"${path}${name}"`;
    if (value === undefined) {
      if (rule.required) fail(`${at} is required: ${rule.allowed}`);
    } else if (!rule.test(value)) {
      fail(
        `${at} must be ${rule.allowed}, not ${rule.quote && (typeof value === 'string' ? value.length <= 32 : typeof value !== 'object') ? JSON.stringify(value) : kindOf(value)}`,
      );
    } else if ('rules' in rule)
      checkOptions(
        factory,
        value,
        rule.rules as Readonly<Record<string, OptionRule>>,
        `${path}${name}.`,
      );
  }
}
