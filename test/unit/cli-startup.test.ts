// The commands a step pod, `plan` and `--version` run must not load @kubernetes/client-node at
// start-up (about a second of CPU, in every step pod and every CLI call): only `controller`,
// `status` and `logs` need it, and they import it when they run. This walks the static runtime
// imports of src/ with TypeScript's own parser (type-only imports and `import()` are not
// followed), so a new static import that drags client-node in fails here, naming the chain.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';

const SRC = path.resolve(import.meta.dirname, '..', '..', 'src');
const HEAVY = '@kubernetes/client-node';

/** The module specifiers `file` imports at load time (not `import type`, not `import()`). */
function runtimeImports(file: string): string[] {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  const out: string[] = [];
  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st)) {
      const clause = st.importClause;
      if (clause?.isTypeOnly) continue;
      const named = clause?.namedBindings;
      const onlyTypes =
        clause &&
        !clause.name &&
        named &&
        ts.isNamedImports(named) &&
        named.elements.every((e) => e.isTypeOnly);
      if (!onlyTypes) out.push((st.moduleSpecifier as ts.StringLiteral).text);
    } else if (ts.isExportDeclaration(st) && st.moduleSpecifier && !st.isTypeOnly) {
      out.push((st.moduleSpecifier as ts.StringLiteral).text);
    }
  }
  return out;
}

/** The chain of files from `entry` to a static import of `target`, or undefined. */
function chainTo(entry: string, target: string): string[] | undefined {
  const seen = new Set<string>();
  const walk = (file: string, chain: string[]): string[] | undefined => {
    if (seen.has(file)) return undefined;
    seen.add(file);
    for (const spec of runtimeImports(file)) {
      if (spec === target) return [...chain, file, spec];
      if (!spec.startsWith('.')) continue;
      const next = path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts'));
      if (!existsSync(next)) continue;
      const found = walk(next, [...chain, file]);
      if (found) return found;
    }
    return undefined;
  };
  return walk(path.join(SRC, entry), []);
}

const relative = (chain: string[]) =>
  chain.map((f) => (f.startsWith('/') ? path.relative(SRC, f) : f)).join(' -> ');

describe('CLI start-up', () => {
  for (const entry of ['cli.ts', 'kubectl-alma.ts']) {
    it(`src/${entry} loads ${HEAVY} only when a command that talks to the API server runs`, () => {
      const chain = chainTo(entry, HEAVY);
      assert.equal(chain && relative(chain), undefined, 'a static import chain loads it at start-up');
    });
  }

  it('finds a static import where there is one (the walk can fail)', () => {
    const chain = chainTo('controller/manager.ts', HEAVY);
    assert.ok(chain, 'controller/manager.ts imports client-node');
    assert.equal(chain.at(-1), HEAVY);
  });
});
