import { expect, it } from 'vitest';
import { ConfigurationError } from './errors';
import { checkOptions, optionRules as r } from './options';

const rules = {
  clientId: r.string({ required: true }),
  timeout: r.positive('milliseconds'),
  sameSite: r.oneOf('Strict', 'Lax'),
  cookie: r.object({ secure: r.boolean() }),
};
const message = (options: unknown) => {
  try {
    checkOptions('f', options, rules);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
  return undefined;
};

it('checkOptions names the factory, the option, what was given (a type, or a short enum value) and what is allowed', () => {
  expect(message({ clientId: 'a' })).toBeUndefined();
  expect(message({ clientId: 'a', timeout: '10s' })).toBe(
    'f: "timeout" must be a positive number of milliseconds, not a string',
  );
  expect(message({ clientId: 'a', timeout: -1 })).toBe(
    'f: "timeout" must be a positive number of milliseconds, not a number',
  );
  expect(message({ clientId: 'a', timeout: Number.NaN })).toBe(
    'f: "timeout" must be a positive number of milliseconds, not NaN',
  );
  expect(message({ clientId: 'a', sameSite: 'None' })).toBe(
    'f: "sameSite" must be one of "Strict", "Lax", not "None"',
  );
  expect(message({})).toBe('f: "clientId" is required: a non-empty string');
  expect(message({ clientId: 'a', cookie: { secure: 'yes' } })).toBe(
    'f: "cookie.secure" must be true or false, not a string',
  );
  expect(message(undefined)).toBe('f: the options must be an object, not undefined');
});

it('checkOptions reports a misspelled or unknown option, with the closest known name', () => {
  expect(message({ clientId: 'a', timout: 5 })).toBe(
    'f: unknown option "timout" (did you mean "timeout"?)',
  );
  expect(message({ clientId: 'a', cookies: {} })).toBe(
    'f: unknown option "cookies" (did you mean "cookie"?)',
  );
  expect(message({ clientId: 'a', cookie: { sameSite: 'Lax' } })).toBe(
    'f: unknown option "cookie.sameSite"',
  );
  expect(message({ clientId: 'a', zzz: 1 })).toBe('f: unknown option "zzz"');
});

it('checkOptions never quotes a value that is not a short enum value (a secret cannot leak)', () => {
  const secret = 'CANARY-super-secret-value-1234567890';
  for (const options of [
    { clientId: 'a', timeout: secret },
    { clientId: 'a', sameSite: secret },
    { clientId: 'a', cookie: secret },
    { clientId: 7 },
  ]) {
    expect(message(options)).toMatch(/^f: "/);
    expect(message(options)).not.toContain('CANARY');
  }
});
