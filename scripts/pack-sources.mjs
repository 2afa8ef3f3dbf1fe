// Source files one package ships a copy of, because it may not import the other package:
// packages/react/src/edge-paths.ts is packages/edge/src/paths.ts (route paths and the CSRF header)
// behind a header. @grantkit/react never imports @grantkit/edge (ARCHITECTURE.md), and JSR refuses a
// relative import out of a package, so the copy lives inside react; this check keeps it identical.
//   node scripts/pack-sources.mjs           checks (npm test)
//   node scripts/pack-sources.mjs --write   rewrites the copies
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const copies = [{ from: 'packages/edge/src/paths.ts', to: 'packages/react/src/edge-paths.ts' }];

let stale = 0;
for (const { from, to } of copies) {
  const want = `// Generated from ${from} by scripts/pack-sources.mjs --write: edit that file, not this one.\n${readFileSync(root + from, 'utf8')}`;
  if (existsSync(root + to) && readFileSync(root + to, 'utf8') === want) continue;
  if (process.argv.includes('--write')) {
    writeFileSync(root + to, want);
    console.log(`wrote ${to}`);
  } else {
    stale++;
    console.error(`✗ ${to} is not a copy of ${from}: run node scripts/pack-sources.mjs --write`);
  }
}
if (stale) process.exit(1);
if (!process.argv.includes('--write'))
  console.log(`✓ ${copies.map((c) => c.to).join(', ')} match their sources`);
