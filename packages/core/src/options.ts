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
  string: (o: { required?: boolean; allowed?: string } = {}): OptionRule => ({ test: (v) => typeof v === 'string' && v.trim() !== '', allowed: o.allowed ?? 'a non-empty string', required: o.required ?? false }),
  /** A string `test` accepts (e.g. a path starting with `/`). */
  stringWhere: (test: (v: string) => boolean, allowed: string, o: { required?: boolean } = {}): OptionRule => ({ test: (v) => typeof v === 'string' && test(v), allowed, required: o.required ?? false }),
  /** An absolute http(s) URL. */
  url: (o: { required?: boolean } = {}): OptionRule => ({ test: isHttpUrl, allowed: 'an absolute http(s) URL', required: o.required ?? false }),
  /** A finite number above 0 (`integer`: a whole one). */
  positive: (unit: string, o: { integer?: boolean; zero?: boolean } = {}): OptionRule => ({
    test: (v) => typeof v === 'number' && Number.isFinite(v) && (o.zero ? v >= 0 : v > 0) && (!o.integer || Number.isInteger(v)),
    allowed: `a ${o.zero ? 'non-negative' : 'positive'} ${o.integer ? 'whole ' : ''}number of ${unit}`,
  }),
  /** `true` or `false`. */
  boolean: (): OptionRule => ({ test: (v) => typeof v === 'boolean', allowed: 'true or false' }),
  /** A function. */
  function: (o: { required?: boolean } = {}): OptionRule => ({ test: (v) => typeof v === 'function', allowed: 'a function', required: o.required ?? false }),
  /** One of a few literal values. */
  oneOf: (...values: readonly (string | number | boolean)[]): OptionRule => ({ test: (v) => values.includes(v as string), allowed: `one of ${values.map((v) => JSON.stringify(v)).join(', ')}`, quote: true }),
  /** An object whose own options follow `rules` (reported as `parent.child`). */
  object: (rules: Readonly<Record<string, OptionRule>>, o: { required?: boolean } = {}): OptionRule & { rules: Readonly<Record<string, OptionRule>> } => ({ test: isRecord, allowed: 'an object', required: o.required ?? false, rules }),
  /** Any value `test` accepts, described by `allowed`. */
  where: (test: (v: unknown) => boolean, allowed: string, o: { required?: boolean } = {}): OptionRule => ({ test, allowed, required: o.required ?? false }),
} as const;

/** How an error names a value it must not quote: its type. */
function kindOf(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  const type = typeof value;
  if (type === 'number' && !Number.isFinite(value)) return String(value);
  return type === 'object' ? 'an object' : `a ${type}`;
}

/** The known name closest to `name` (edit distance at most 2, 3 for names of 6 or more), for "did you mean". */
function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = name.length >= 6 ? 4 : 3;
  for (const candidate of known) {
    const a = name.toLowerCase();
    const b = candidate.toLowerCase();
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
      let previous = row[0]!;
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const next = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
        previous = row[j]!;
        row[j] = next;
      }
    }
    const distance = Math.min(row[b.length]!, b.startsWith(a) || a.startsWith(b) ? 1 : 99);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
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
export function checkOptions(factory: string, options: unknown, rules: Readonly<Record<string, OptionRule>>, path = ''): void {
  if (!isRecord(options)) throw new ConfigurationError(`${factory}: ${path ? `"${path}"` : 'the options'} must be an object, not ${kindOf(options)}`);
  const known = Object.keys(rules);
  for (const name of Object.keys(options)) {
    if (Object.hasOwn(rules, name)) continue;
    const guess = closest(name, known);
    throw new ConfigurationError(`${factory}: unknown option "${path}${name}"${guess ? ` (did you mean "${path}${guess}"?)` : ''}`);
  }
  for (const [name, rule] of Object.entries(rules)) {
    const value = options[name];
    if (value === undefined) {
      if (rule.required) throw new ConfigurationError(`${factory}: "${path}${name}" is required: ${rule.allowed}`);
      continue;
    }
    if (!rule.test(value)) {
      const given = rule.quote && (typeof value === 'string' ? value.length <= 32 : typeof value !== 'object') ? JSON.stringify(value) : kindOf(value);
      throw new ConfigurationError(`${factory}: "${path}${name}" must be ${rule.allowed}, not ${given}`);
    }
    if ('rules' in rule) checkOptions(factory, value, (rule as { rules: Readonly<Record<string, OptionRule>> }).rules, `${path}${name}.`);
  }
}
