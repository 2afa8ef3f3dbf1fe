import { expectTypeOf, it } from 'vitest';
import { eventTelemetry, type Telemetry, type TokenEvent } from './index';

it('eventTelemetry of a plain logger is a Telemetry of token events', () => {
  const telemetry = eventTelemetry((e) => {
    expectTypeOf(e).toEqualTypeOf<TokenEvent>();
  });
  expectTypeOf(telemetry).toEqualTypeOf<Telemetry>();
});
