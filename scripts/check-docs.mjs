// Every export a consumer can import, from every entry of every built package, carries TSDoc
// (read from dist/*.d.ts through the TypeScript checker, so re-exports and shared chunks count),
// and every exported function and class shows a call in an @example.
import { readFileSync } from 'node:fs';
import ts from 'typescript';

const root = new URL('../', import.meta.url);
const problems = [];
let checked = 0;
for (const name of ['core', 'edge', 'react']) {
  const dir = new URL(`packages/${name}/`, root);
  const manifest = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8'));
  const entries = Object.entries(manifest.exports)
    .filter(([, target]) => typeof target === 'object' && target.types)
    .map(([subpath, target]) => [subpath, new URL(target.types, dir).pathname]);
  const program = ts.createProgram(
    entries.map(([, file]) => file),
    { noEmit: true, skipLibCheck: true, types: [] },
  );
  const checker = program.getTypeChecker();
  for (const [subpath, file] of entries) {
    const module = checker.getSymbolAtLocation(program.getSourceFile(file));
    for (const exported of module ? checker.getExportsOfModule(module) : []) {
      const symbol =
        exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const where = `@grantkit/${name}${subpath.slice(1)} › ${exported.name}`;
      checked++;
      if (symbol.getDocumentationComment(checker).length === 0) {
        problems.push(`${where}: no documentation`);
        continue;
      }
      const callable = symbol.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Class);
      if (callable && !symbol.getJsDocTags(checker).some((tag) => tag.name === 'example'))
        problems.push(`${where}: no @example`);
    }
  }
}
if (problems.length) {
  console.error(
    `✗ ${problems.length} of ${checked} exports lack documentation:\n  ${problems.join('\n  ')}`,
  );
  process.exit(1);
}
console.log(`✓ ${checked} exports documented`);
