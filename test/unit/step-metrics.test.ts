// The gauges behind the dashboard's import progress/ETA and fetch throughput panels.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import {
  forgetStepMetrics,
  recordFetchResult,
  recordImportProgress,
} from '../../src/controller/step-metrics.js';
import { createMetrics } from '../../src/runtime/metrics.js';
import { almaRestore } from './api-fixtures.js';

describe('step metrics', () => {
  it('exports the import fraction and a finished fetch throughput per restore, and forgets them', async () => {
    const metrics = createMetrics(new Registry());
    const r = almaRestore();
    r.metadata.namespace = 'lib';
    recordImportProgress(metrics, r, 0.42);
    recordFetchResult(metrics, r, { bytesTransferred: 2 * 1024 ** 3 }, 1024);
    recordFetchResult(metrics, r, { bytesTransferred: 0 }, 10); // nothing transferred: keeps the last figure
    const text = await metrics.registry.metrics();
    assert.match(text, /\nalma_restore_import_progress_ratio\{namespace="lib",restore="q3"\} 0\.42\n/);
    assert.match(
      text,
      /\nalma_restore_fetch_throughput_bytes_per_second\{namespace="lib",restore="q3"\} 2097152\n/,
    );
    forgetStepMetrics(metrics, 'lib', 'q3');
    assert.doesNotMatch(await metrics.registry.metrics(), /restore="q3"/);
  });
});
