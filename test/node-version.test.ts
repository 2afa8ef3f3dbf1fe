import { expect, it } from 'vitest';

// npm scripts run on the Node 24 from the `node` devDependency; ky 2 and vitest 5 need Node >= 22.
it('runs on Node 24', () => {
  expect(process.version).toMatch(/^v24\./);
});
