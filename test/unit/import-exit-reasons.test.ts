// The import's exit code comes from a typed table of its reasons (src/steps/import/exit-reasons.ts),
// not from matching reason prefixes. This seam test reads every reason the code can set (the same
// scanner as docs/troubleshooting.md's test) and checks that each bad-input reason an import can
// meet (the parfile's, the config's, the dump files', the staging volume's) exits 2 as documented
// in docs/import.md, so a reason added to the parfile parser cannot silently exit 1.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IMPORT_EXIT } from '../../src/contract/exit-codes.js';
import { importExitCode, isImportFailureReason } from '../../src/steps/import/exit-reasons.js';
import { conditionReasons } from '../support/condition-reasons.js';

describe('the import exit code of a Failed reason', () => {
  it('is 2 (usage) for every parfile, config, dump-file and staging reason in the source', () => {
    const badInput = [...conditionReasons().keys()].filter(
      (r) => /^(Parfile|DumpFiles|Config)[A-Z]/.test(r) || r === 'StagingUnsafe',
    );
    assert.ok(
      badInput.includes('ParfileUnsafeValue') && badInput.includes('ConfigMissing'),
      'scanner found them',
    );
    const wrong = badInput.filter((r) => importExitCode(r) !== IMPORT_EXIT.usage);
    assert.deepEqual(wrong, [], 'add these to IMPORT_REASON_EXIT in src/steps/import/exit-reasons.ts');
  });

  it('names a reason the code really sets, each time', () => {
    const known = conditionReasons();
    for (const r of [
      'ImportCompletedWithErrors',
      'ImportStoppedFatal',
      'ParfileMismatch',
      'DumpFilesMissing',
    ])
      assert.ok(known.has(r) && isImportFailureReason(r), r);
  });

  it('keeps the documented codes, and 1 for a reason it does not name', () => {
    assert.equal(importExitCode('ImportCompletedWithErrors'), 20);
    assert.equal(importExitCode('ImportVanished'), 21);
    assert.equal(importExitCode('ImportStartFailed'), 22);
    assert.equal(importExitCode('DatabaseCredentialsMissing'), 23);
    assert.equal(importExitCode('Internal'), 1);
    assert.equal(importExitCode('toString'), 1, 'not an inherited property');
  });
});
