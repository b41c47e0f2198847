import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readImportFraction } from '../../src/controller/guard-hook.js';
import { DictionaryDouble, testStepConfig } from '../support/dictionary-double.js';

describe('import progress from Data Pump', () => {
  const config = testStepConfig('/staging');
  const twoInstitutions = {
    ...config,
    institutions: [
      { ...config.institutions[0]!, institutionId: '3978' },
      { ...config.institutions[0]!, institutionId: '3979', schema: 'EXL_ADMIN_2', tablespace: 'USERS2' },
    ],
  };
  const job = (inst: string) => `ALMA_${config.restore.name}_${inst}`.toUpperCase();

  it('is unknown while no job of the restore exists', async () => {
    assert.equal(await readImportFraction(new DictionaryDouble(), twoInstitutions), undefined);
  });

  it('counts institutions before the live job as done (the step runs them in order)', async () => {
    const db = new DictionaryDouble();
    db.dataPumpJobs.set(job('3979'), { state: 'EXECUTING', percent: 40 });
    assert.equal(await readImportFraction(db, twoInstitutions), 0.7);
    db.dataPumpJobs.clear();
    db.dataPumpJobs.set(job('3978'), { state: 'EXECUTING' });
    assert.equal(await readImportFraction(db, twoInstitutions), 0, 'a job not yet sized counts as 0%');
  });
});
