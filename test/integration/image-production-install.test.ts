// The Dockerfile as text: linted (dockerfile-utils, the linter of the VS Code Docker extension),
// checked against the image policy, and its COPY sources against the build context .dockerignore
// lets through. The image itself is built from this Dockerfile (buildah) and run in
// image-build.test.ts and real-node.test.ts; replaying its build steps here as well cost more
// than a minute of every CI run and showed nothing those do not.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { validate } from 'dockerfile-utils';
import { REPO_ROOT } from '../support/chart-tools.js';

interface Instruction {
  keyword: string;
  args: string;
}
interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

/** A small Dockerfile reader: joins continuation lines, drops comments, splits stages. */
function stages(text: string): Stage[] {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!current && (line.startsWith('#') || line === '')) continue;
    if (line.endsWith('\\')) {
      current += line.slice(0, -1) + ' ';
      continue;
    }
    logical.push(current + line);
    current = '';
  }
  const out: Stage[] = [];
  for (const l of logical) {
    const [keyword = '', ...rest] = l.split(/\s+/);
    const args = rest.join(' ');
    if (keyword.toUpperCase() === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      out.push({ from: m?.[1] ?? args, name: m?.[2], instructions: [] });
    } else if (out.length > 0) {
      out[out.length - 1]!.instructions.push({ keyword: keyword.toUpperCase(), args });
    }
  }
  return out;
}

/** The files the Docker build context holds, by .dockerignore ("**" then "!pattern" re-includes). */
async function buildContext(): Promise<string[]> {
  const rules = (await readFile(path.join(REPO_ROOT, '.dockerignore'), 'utf8'))
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  assert.equal(rules[0], '**', '.dockerignore starts by excluding everything');
  return rules.slice(1).map((r) => {
    assert.ok(r.startsWith('!'), `unexpected .dockerignore rule ${r}`);
    return r.slice(1).replace(/\/\*\*$/, '');
  });
}

describe('container image (Dockerfile lint, policy, build context)', () => {
  let dockerfile: string;

  before(async () => {
    dockerfile = await readFile(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
  });

  it('passes the Dockerfile linter (dockerfile-utils) with no diagnostics', () => {
    const problems = validate(dockerfile);
    assert.deepEqual(
      problems.map((p) => `line ${p.range.start.line + 1}: ${p.message}`),
      [],
    );
    // The linter does catch mistakes: an instruction with a missing argument is reported.
    assert.ok(
      validate('FROM node:20-bookworm-slim\nEXPOSE\n').length > 0,
      'the linter reports nothing at all',
    );
  });

  it('follows the image policy: multi-stage, Node 20, prod deps only, non-root, no shell at run time, the CLI as entry point', () => {
    const all = stages(dockerfile);
    assert.ok(all.length >= 2, 'multi-stage');
    const argDefaults = Object.fromEntries(
      [...dockerfile.matchAll(/^ARG\s+(\w+)=(\S+)/gm)].map((m) => [m[1]!, m[2]!] as const),
    );
    const image = (s: Stage) => s.from.replace(/^\$\{(\w+)\}$/, (_, n: string) => argDefaults[n] ?? '');
    for (const s of all)
      assert.match(image(s), /node(js)?[:-]?20/, `stage ${s.name ?? s.from} is not Node 20`);
    const runtime = all[all.length - 1]!;
    assert.match(image(runtime), /distroless\/nodejs20/, 'runtime base is distroless (no shell)');
    const kw = (k: string) => runtime.instructions.filter((i) => i.keyword === k);
    assert.equal(kw('RUN').length, 0, 'the runtime stage runs nothing: it has no shell');
    const user = kw('USER').at(-1)?.args ?? '';
    assert.match(user, /^[1-9][0-9]*(:[0-9]+)?$/, `numeric non-root USER, got "${user}"`);
    assert.match(kw('ENTRYPOINT').at(-1)?.args ?? '', /^\["\/nodejs\/bin\/node", "\/app\/dist\/cli\.js"\]$/);
    const fromBuild = kw('COPY').map((c) => c.args);
    assert.ok(
      fromBuild.some((a) => /--from=prod-deps \/app\/node_modules/.test(a)),
      'node_modules from prod-deps',
    );
    assert.ok(
      fromBuild.some((a) => /--from=build \/src\/dist/.test(a)),
      'dist from the build stage',
    );
    const prodDeps = all.find((s) => s.name === 'prod-deps');
    assert.ok(prodDeps?.instructions.some((i) => i.keyword === 'RUN' && /npm ci --omit=dev/.test(i.args)));
    const build = all.find((s) => s.name === 'build');
    assert.ok(build?.instructions.some((i) => i.keyword === 'RUN' && /npm run build/.test(i.args)));
  });

  it('the build context (.dockerignore) holds every file the Dockerfile copies from it', async () => {
    const context = await buildContext();
    for (const entry of context)
      assert.ok(existsSync(path.join(REPO_ROOT, entry)), `.dockerignore re-includes missing ${entry}`);
    const copied = stages(dockerfile)
      .flatMap((s) => s.instructions)
      .filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from='))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    assert.ok(copied.includes('src'), `the reader found the COPY lines: ${copied.join(' ')}`);
    for (const file of copied)
      assert.ok(
        context.some((c) => file === c || file.startsWith(`${c}/`)),
        `COPY ${file}: not in the build context that .dockerignore lets through`,
      );
  });
});
