// The parsing half of test/support/images.ts: the build script's output lines and image refs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseImageLines, parseReadableReport, splitRef } from '../support/images.js';

describe('image script output', () => {
  it('reads the IMAGE lines and ignores everything else', () => {
    const out = [
      'noise',
      'IMAGE\tapp\tlocalhost/alma-restore-operator:test-0123456789abcdef\t/c/images/archives/app-test-0123456789abcdef.oci.tar',
      'IMAGE\tpause\tlocalhost/alma-standin-pause:fedcba9876543210\t/c/images/archives/pause-fedcba9876543210.oci.tar',
      'IMAGE\tbroken line',
      '',
    ].join('\n');
    assert.deepEqual(parseImageLines(out), [
      {
        target: 'app',
        ref: 'localhost/alma-restore-operator:test-0123456789abcdef',
        archive: '/c/images/archives/app-test-0123456789abcdef.oci.tar',
      },
      {
        target: 'pause',
        ref: 'localhost/alma-standin-pause:fedcba9876543210',
        archive: '/c/images/archives/pause-fedcba9876543210.oci.tar',
      },
    ]);
  });

  it('splits a ref into repository and tag, also with a registry port', () => {
    assert.deepEqual(splitRef('localhost/alma-restore-operator:test-01'), {
      repository: 'localhost/alma-restore-operator',
      tag: 'test-01',
    });
    assert.deepEqual(splitRef('registry.local:5000/alma/op:0.1.0'), {
      repository: 'registry.local:5000/alma/op',
      tag: '0.1.0',
    });
    assert.throws(() => splitRef('registry.local:5000/alma/op'), /has no tag/);
  });

  it('refuses a JSON document that is not a check-readable report', () => {
    assert.throws(() => parseReadableReport('{"files": 1}'), /not a check-readable report/);
  });
});
