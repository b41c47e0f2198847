// The layers of src/ (README, "Architecture") are enforced by eslint.config.js: this seam test
// shows the rule bites (a lower layer importing an upper one is an error, through ESLint's own API
// on the real config) and that no part of src/ escapes it (every folder and top-level module has a
// place in the table), so a new folder cannot quietly import anything.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
// The table itself, from the config ESLint runs (plain JS: tsc does not type it).
const { LAYERS, PARTS } = (await import(path.join(ROOT, 'eslint.config.js'))) as {
  LAYERS: Record<string, string[]>;
  PARTS: string[];
};
const eslint = new ESLint({ cwd: ROOT });

/** The layer-rule errors ESLint reports for `code` as if it were the file `file`. */
async function layerErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('the layers of src/', () => {
  it('place every folder and top-level module of src/', () => {
    const entries = readdirSync(path.join(ROOT, 'src')).map((e) => e.replace(/\.ts$/, ''));
    const unplaced = entries.filter((e) => !PARTS.includes(e));
    assert.deepEqual(
      unplaced,
      [],
      'add these to LAYERS (or the top layer) in eslint.config.js and the README',
    );
  });

  it('refuse a lower layer importing an upper one, at every depth and for type-only imports', async () => {
    const cases: [file: string, code: string][] = [
      ['src/oracle/x.ts', "import type { RunImportOptions } from '../steps/import/runner.js';"],
      ['src/sftp/x.ts', "import { FETCH_EXIT } from '../steps/fetch/command.js';"],
      ['src/api/x.ts', "import { allResources } from '../resources/index.js';"],
      ['src/resources/x.ts', "export { Reconciler } from '../controller/reconciler.js';"],
      ['src/contract/x.ts', "import type { AlmaRestore } from '../api/types.js';"],
      ['src/steps/fetch/x.ts', "import { STEP_ORDER } from '../../controller/phases.js';"],
      ['src/controller/x.ts', "import { runFetch } from '../steps/fetch/run.js';"],
      ['src/runtime/x.ts', "import { cli } from '../cli.js';"],
      ['src/errors.ts', "import { createLogger } from './logging.js';"],
    ];
    for (const [file, code] of cases) {
      const errors = await layerErrors(file, code);
      assert.equal(
        errors.length,
        1,
        `${file}: ${code} should be refused, ESLint said ${JSON.stringify(errors)}`,
      );
      assert.match(errors[0]!, /may import only .*README "Architecture"/);
    }
  });

  it('allow the imports downward and within a folder', async () => {
    const cases: [file: string, code: string][] = [
      ['src/steps/fetch/x.ts', "import { FETCH_EXIT } from '../../contract/exit-codes.js';"],
      [
        'src/steps/fetch/x.ts',
        "import { runFetch } from './run.js';\nimport { publishStepResult } from '../publish.js';",
      ],
      ['src/controller/x.ts', "import { jobFor } from '../resources/job.js';"],
      ['src/oracle/x.ts', "import type { StepConfig } from '../contract/step-config.js';"],
      ['src/contract/x.ts', "import { UserFacingError } from '../errors.js';"],
      ['src/status/x.ts', "import { STEP_ORDER } from '../controller/phases.js';"],
    ];
    for (const [file, code] of cases) assert.deepEqual(await layerErrors(file, code), [], `${file}: ${code}`);
  });

  it('have a lower layer for everything a part may import (the table is ordered, no cycles)', () => {
    const order = ['errors', 'logging', ...Object.keys(LAYERS)];
    for (const [part, allowed] of Object.entries(LAYERS)) {
      for (const below of allowed)
        assert.ok(order.indexOf(below) < order.indexOf(part), `${part} may import ${below}, listed above it`);
    }
  });
});
