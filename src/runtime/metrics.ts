// Every Prometheus metric the controller exports, in one registry. Names and labels here are a
// public contract: the chart's PrometheusRule alerts on them.
import { getHeapStatistics } from 'node:v8';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createMetrics(registry = new Registry()) {
  collectDefaultMetrics({ register: registry });
  const restoreLabels = ['namespace', 'restore'] as const;
  return {
    registry,
    /** 1 for the restore's current phase, 0 for the others it has had. */
    restorePhase: new Gauge({
      name: 'alma_restore_phase',
      help: 'Current phase of each AlmaRestore (1 = in this phase).',
      labelNames: [...restoreLabels, 'phase'],
      registers: [registry],
    }),
    progressRatio: new Gauge({
      name: 'alma_restore_progress_ratio',
      help: 'Overall progress of each AlmaRestore, 0..1.',
      labelNames: restoreLabels,
      registers: [registry],
    }),
    /** The verify step's data inventory: rows per institution and area (absent: not in the delivery). */
    records: new Gauge({
      name: 'alma_restore_records',
      help: 'Rows of each area of the library data the verify step counted (bibActive, physicalItems, users, ...).',
      labelNames: [...restoreLabels, 'institution', 'area'],
      registers: [registry],
    }),
    /** The same figure in the previous Succeeded restore of the institution (the baseline). */
    recordsPrevious: new Gauge({
      name: 'alma_restore_records_previous',
      help: "The same area's rows in the institution's previous Succeeded restore.",
      labelNames: [...restoreLabels, 'institution', 'area'],
      registers: [registry],
    }),
    lastProgressTimestamp: new Gauge({
      name: 'alma_restore_last_progress_timestamp_seconds',
      help: 'Unix time at which the restore last made progress (phase change or progress increase).',
      labelNames: restoreLabels,
      registers: [registry],
    }),
    lastSuccessTimestamp: new Gauge({
      name: 'alma_restore_last_success_timestamp_seconds',
      help: 'Unix time at which a restore in this namespace last succeeded (label restore = its name).',
      labelNames: restoreLabels,
      registers: [registry],
    }),
    stepDuration: new Histogram({
      name: 'alma_restore_step_duration_seconds',
      help: 'Duration of finished step Jobs.',
      labelNames: ['step', 'outcome'],
      buckets: [60, 300, 900, 1800, 3600, 7200, 14400, 28800, 57600],
      registers: [registry],
    }),
    /** process.memoryUsage() and the V8 heap limit, read at each scrape (where the RSS goes). */
    memory: new Gauge({
      name: 'alma_restore_controller_memory_bytes',
      help: 'Controller memory by kind: rss, heapTotal, heapUsed, external, arrayBuffers (process.memoryUsage()) and heapLimit (V8).',
      labelNames: ['kind'],
      registers: [registry],
      collect() {
        for (const [kind, bytes] of Object.entries(process.memoryUsage())) this.set({ kind }, bytes);
        this.set({ kind: 'heapLimit' }, getHeapStatistics().heap_size_limit);
      },
    }),
    reconcileErrors: new Counter({
      name: 'alma_restore_reconcile_errors_total',
      help: 'Reconciles that ended in an error (and were requeued with backoff).',
      registers: [registry],
    }),
    reconcileDuration: new Histogram({
      name: 'alma_restore_reconcile_duration_seconds',
      help: 'Time spent in one reconcile.',
      buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'alma_restore_workqueue_depth',
      help: 'Keys waiting in the work queue.',
      registers: [registry],
    }),
    tablespaceUsedRatio: new Gauge({
      name: 'alma_restore_tablespace_used_ratio',
      help: 'Tablespace fill against its maximum reachable size (autoextend MAXSIZE), 0..1.',
      labelNames: [...restoreLabels, 'institution', 'tablespace'],
      registers: [registry],
    }),
    tablespaceAllocatedRatio: new Gauge({
      name: 'alma_restore_tablespace_allocated_used_ratio',
      help: 'Tablespace fill against what is allocated now (datafile sizes), 0..1.',
      labelNames: [...restoreLabels, 'institution', 'tablespace'],
      registers: [registry],
    }),
    tablespaceUsedBytes: new Gauge({
      name: 'alma_restore_tablespace_used_bytes',
      help: 'Bytes used in the tablespace.',
      labelNames: [...restoreLabels, 'institution', 'tablespace'],
      registers: [registry],
    }),
    tablespaceMaxBytes: new Gauge({
      name: 'alma_restore_tablespace_max_bytes',
      help: 'Maximum reachable size of the tablespace in bytes.',
      labelNames: [...restoreLabels, 'institution', 'tablespace'],
      registers: [registry],
    }),
    importProgressRatio: new Gauge({
      name: 'alma_restore_import_progress_ratio',
      help: 'Progress of the running Data Pump import of each AlmaRestore, as Data Pump reports it, 0..1.',
      labelNames: restoreLabels,
      registers: [registry],
    }),
    fetchThroughput: new Gauge({
      name: 'alma_restore_fetch_throughput_bytes_per_second',
      help: 'Bytes per second of the last finished fetch of each AlmaRestore (bytes transferred / duration).',
      labelNames: restoreLabels,
      registers: [registry],
    }),
    datafilesAdded: new Counter({
      name: 'alma_restore_datafiles_added_total',
      help: 'Datafiles the tablespace guard added.',
      labelNames: [...restoreLabels, 'institution', 'tablespace'],
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
