// AlmaRestore.status, written by the controller through the status subresource: phase,
// conditions, the sizing plan, per-step state and live progress, verification, tablespace fill,
// inventory, history and the controller's own actions. TypeBox schemas carrying the CRD's
// descriptions; types.ts takes the TypeScript types from them (Static<>). The CRD requires
// nothing here but a condition's type, status and lastTransitionTime; `written()` marks what the
// controller always writes, which the types then require while the CRD stays as lenient.
import { PHASES } from '../types.js';
import { arr, bool, int, num, obj, opt, str, strEnum, typed, written } from '../schema-helpers.js';

export const condition = obj('A standard Kubernetes condition.', {
  type: str('Type: Ready, Progressing, Degraded, Failed, or a step condition such as ImportSucceeded.', {
    maxLength: 316,
  }),
  status: strEnum('True, False or Unknown.', ['True', 'False', 'Unknown']),
  reason: written(str('CamelCase machine reason.', { maxLength: 1024 })),
  message: written(str('Human-readable details.', { maxLength: 32768 })),
  lastTransitionTime: str('When status last changed.', { format: 'date-time' }),
  observedGeneration: opt(int('The spec generation the condition was computed from.', { format: 'int64' })),
});

export const stepProgress = obj(
  'What the running step last reported about itself; after it ended, the last it reported (a failure shows how far it got).',
  {
    time: written(str('When the step measured this.', { format: 'date-time' })),
    stage: written(
      str('What it is doing: WaitingForDelivery, Transferring, Extracting, Applying, Importing or Checking.'),
    ),
    message: written(str('What it is doing, in one line.')),
    fraction: opt(num('Share of this step done, 0 to 1, when known.', { minimum: 0, maximum: 1 })),
    done: opt(int('Work done, in unit.', { format: 'int64' })),
    total: opt(int('Work planned, in unit.', { format: 'int64' })),
    unit: opt(strEnum('bytes, actions, checks or percent.', ['bytes', 'actions', 'checks', 'percent'])),
    bytesPerSecond: opt(int('Transfer rate, bytes per second (fetch).', { format: 'int64' })),
    etaSeconds: opt(
      int("Estimated seconds until the step is done, from the step's own rate.", {
        format: 'int64',
      }),
    ),
    waitingSince: opt(str('Fetch, waiting for the delivery: since when.', { format: 'date-time' })),
    files: opt(
      arr(
        'Fetch, waiting for the delivery: the files of the delivery there so far.',
        obj('One file on the SFTP server.', {
          name: written(str('File name.')),
          bytes: written(int('Size, bytes.', { format: 'int64' })),
          unchangedSince: written(
            str('Since when its size and time have not changed.', { format: 'date-time' }),
          ),
        }),
        { maxItems: 100 },
      ),
    ),
  },
);

export const stepStatus = (step: string) =>
  obj(`State of the ${step} step.`, {
    phase: written(
      strEnum('Pending, Running, Succeeded, SucceededWithWarnings or Failed.', [
        'Pending',
        'Running',
        'Succeeded',
        'SucceededWithWarnings',
        'Failed',
      ]),
    ),
    jobName: opt(str('Name of the current or last Job of this step.')),
    attempt: written(int('Attempt number, 1 for the first run; a retry increments it.')),
    startTime: opt(str('When the current attempt started.', { format: 'date-time' })),
    completionTime: opt(str('When the current attempt ended.', { format: 'date-time' })),
    reason: opt(str("Machine reason of the step's result.")),
    message: opt(str("The step's result, in one sentence.")),
    summary: opt(
      typed<Record<string, unknown>>({
        description: 'Step-specific figures (dump files, bytes, tables, errors, ...).',
        type: 'object',
        'x-kubernetes-preserve-unknown-fields': true,
      }),
    ),
    progress: opt(stepProgress),
  });

export const status = obj('Observed state, written by the controller.', {
  phase: opt(
    strEnum(
      'Pending, Queued, Planning, Provisioning, Fetching, Preparing, Importing, Verifying, Succeeded, Failed, Suspended or Cancelled.',
      PHASES,
    ),
  ),
  observedGeneration: opt(int('The spec generation the status reflects.', { format: 'int64' })),
  conditions: opt(
    arr('Standard conditions (see docs/api.md).', condition, {
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    }),
  ),
  plan: opt(
    obj('The sizing computed from the bib records.', {
      totalBibRecords: written(int('Bib records of all institutions.', { format: 'int64' })),
      institutionIds: written(str('The institution ids, comma-separated.')),
      stagingSize: written(str('Size of the staging volume.')),
      stagingBytes: written(int('Size of the staging volume, in bytes.', { format: 'int64' })),
      databaseSize: written(str('Size of the database volume.')),
      databaseBytes: written(int('Size of the database volume, in bytes.', { format: 'int64' })),
      institutions: written(
        arr(
          'Per institution: schema, tablespace and its planned size.',
          obj('One institution.', {
            institutionId: written(str('Alma institution id.')),
            bibRecords: written(int('Bib records.', { format: 'int64' })),
            schema: written(str('Schema user.')),
            tablespace: written(str('Tablespace.')),
            tablespaceSize: written(str("Planned tablespace size, the vendor's 20% headroom included.")),
            tablespaceBytes: written(int('The same, in bytes.', { format: 'int64' })),
          }),
        ),
      ),
      warnings: opt(arr('Doubts about explicit size overrides.', str('One warning.'))),
      basis: opt(
        obj("Where the figures came from: a previous restore's measurements or the vendor's rule.", {
          staging: written(str('Basis of the staging size.')),
          tablespaces: written(str('Basis of the tablespace sizes.')),
          importTime: opt(str('Basis of the import estimate.')),
        }),
      ),
      importEstimate: opt(
        obj('Expected import time, from the previous restore of the same institutions.', {
          seconds: written(int('Seconds.', { format: 'int64' })),
          text: written(str('The same, in words, with its source.')),
        }),
      ),
    }),
  ),
  steps: opt(
    obj('Per step state.', {
      fetch: opt(stepStatus('fetch')),
      prepare: opt(stepStatus('prepare')),
      import: opt(stepStatus('import')),
      verify: opt(stepStatus('verify')),
    }),
  ),
  progress: opt(int('Overall progress, percent.', { minimum: 0, maximum: 100 })),
  progressMessage: opt(str('What is happening now, in a few words.')),
  failedStep: opt(
    str('The step that failed, when phase is Failed: plan, provision, fetch, prepare, import or verify.', {
      maxLength: 32,
    }),
  ),
  currentStep: opt(
    str('The step that runs now (fetch, prepare, import, verify), or the one that failed; the STEP column.'),
  ),
  startTime: opt(str('When the restore left Pending/Queued.', { format: 'date-time' })),
  completionTime: opt(
    str('When the restore reached Succeeded, Failed or Cancelled.', { format: 'date-time' }),
  ),
  verification: opt(
    arr(
      'Results of the verify step per institution.',
      obj('Checks of one institution.', {
        institutionId: written(str('Alma institution id.')),
        checks: written(
          arr(
            'The checks.',
            obj('One check.', {
              name: written(str('What was checked.')),
              passed: written(bool('Whether it passed.')),
              observed: opt(str('What was found.')),
              expected: opt(str('What was expected.')),
              action: opt(str('What the verify step did about it, or what to do.')),
            }),
          ),
        ),
      }),
    ),
  ),
  tablespaces: opt(
    arr(
      'Last observed fill of each tablespace.',
      obj('One tablespace.', {
        institutionId: written(str('Alma institution id.')),
        tablespace: written(str('Tablespace name.')),
        usedRatio: written(num('Used bytes / allocated bytes.')),
        usedBytes: written(int('Used bytes.', { format: 'int64' })),
        allocatedBytes: written(int('Allocated bytes (datafiles).', { format: 'int64' })),
        maxBytes: written(
          int(
            "Bytes the tablespace can reach now: its datafiles' autoextend maxima, or less when the disk under them is the limit.",
            { format: 'int64' },
          ),
        ),
      }),
    ),
  ),
  inventory: opt(
    arr(
      "The data inventory the verify step counted, per institution, with the baseline restore's figures.",
      obj('One institution.', {
        institutionId: written(str('Alma institution id.')),
        exact: written(bool('The counts are exact COUNTs, not estimates.')),
        baseline: opt(str('namespace/name of the restore compared with.')),
        areas: written(
          arr(
            'Per area.',
            obj('One area.', {
              area: written(
                str('bibActive, bibDeleted, holdings, authorities, physicalItems, portfolios, ...'),
              ),
              count: opt(int('Rows counted.', { format: 'int64' })),
              notInDelivery: opt(bool('The table or a column is not in this delivery.')),
              previous: opt(int("The baseline restore's figure.", { format: 'int64' })),
              change: opt(num('(count - previous) / previous.')),
            }),
          ),
        ),
      }),
    ),
  ),
  history: opt(
    arr(
      'The previous Succeeded restore of each institution: the baseline for sizing and for the inventory comparison.',
      obj('One institution.', {
        institutionId: written(str('Alma institution id.')),
        restore: written(str('namespace/name of the earlier restore.')),
        completedAt: opt(str('When it succeeded.', { format: 'date-time' })),
        bibActive: opt(int('Its active bib records.', { format: 'int64' })),
        dumpBytes: opt(int('Its extracted dump bytes.', { format: 'int64' })),
        tablespaceUsedBytes: opt(int('Bytes used in its tablespace at the end.', { format: 'int64' })),
        importSeconds: opt(int("Its import step's duration.", { format: 'int64' })),
        figures: written(
          arr(
            'Its inventory.',
            obj('One area.', {
              area: written(str('Area.')),
              count: opt(int('Rows counted.', { format: 'int64' })),
            }),
          ),
        ),
      }),
    ),
  ),
  lastRetry: opt(str('The value of the almarestore.io/retry annotation the controller last acted on.')),
  suspendedPhase: opt(strEnum('The phase a suspended restore resumes in.', PHASES)),
  stagingDeleted: opt(
    bool('The staging volume was deleted after success (retention.deleteStagingOnSuccess).'),
  ),
  actions: opt(
    arr(
      'Actions the controller took by itself (datafiles added, volume grown).',
      obj('One action.', {
        time: written(str('When.', { format: 'date-time' })),
        action: written(str('What.')),
      }),
    ),
  ),
});
