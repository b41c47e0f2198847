// The AlmaRestore CustomResourceDefinition, as data. The schema is TypeBox (src/api/schema/:
// rules.ts names every CEL rule, spec-inputs.ts, spec.ts and status.ts carry the fields), and
// both sides come from it: types.ts takes the TypeScript types (Static<>), and
// crds/almarestore.io_almarestores.yaml is generated from openAPIV3Schema below (`npx tsx
// src/api/write-crd.ts`; a unit test fails when it is stale). The offline validator
// (validation.ts) walks the same plain schema, so `alma-restore plan` and the API server cannot
// disagree about the structural rules.
import type { V1ObjectMeta } from '@kubernetes/client-node';
import YAML from 'yaml';
import { API_VERSION, GROUP, KIND, PLURAL, VERSION } from './types.js';
import { obj, opt, str, structural, typed, written, type Schema } from './schema-helpers.js';
import { RULES } from './schema/rules.js';
import { spec } from './schema/spec.js';
import { status } from './schema/status.js';

export {
  BOUNDS,
  FIXABLE_WHEN_FAILED_AT,
  IMMUTABLE_AFTER_START,
  IMMUTABLE_HINTS,
  MAX_INSTITUTIONS,
  MAX_NAME_LENGTH,
  NAME_PATTERN,
  NOT_STARTED_PHASES,
  PATTERNS,
  RULES,
  immutableMessage,
  type ImmutableField,
  type RuleName,
} from './schema/rules.js';

export const CRD_NAME = `${PLURAL}.${GROUP}`;
export const SHORT_NAME = 'almar';
export const CATEGORY = 'alma';

/**
 * The whole object. apiVersion, kind and metadata are optional to the CRD (the API server fills
 * them in) but always there in what the controller reads, so the type requires them.
 */
export const almaRestoreSchema = obj(
  'AlmaRestore restores an Alma Local Backup (an Oracle Data Pump dump delivered over SFTP) into an Oracle 19c database.',
  {
    apiVersion: written(
      typed<typeof API_VERSION>(str('API version of this object: almarestore.io/v1alpha1.')),
    ),
    kind: written(typed<typeof KIND>(str('Kind of this object: AlmaRestore.'))),
    // The API server forbids anything but `type` here (not even a description). It always sets
    // metadata.name, which makes the object a client-node KubernetesObject.
    metadata: written(typed<V1ObjectMeta & { name: string }>({ type: 'object' } as Schema)),
    spec,
    status: opt(status),
  },
  {
    'x-kubernetes-validations': [
      RULES.name,
      RULES.immutableCustomerId,
      RULES.immutableInstitutions,
      RULES.immutableSource,
      RULES.immutableDatabase,
      RULES.immutableStorage,
      RULES.immutableImport,
    ],
  },
);

/** The CRD's openAPIV3Schema as plain data: what the API server and the offline validator read. */
export const openAPIV3Schema: Schema = structural(almaRestoreSchema);

export const printerColumns = [
  { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Current phase.' },
  {
    name: 'Institutions',
    type: 'string',
    jsonPath: '.status.plan.institutionIds',
    description: 'Institution ids.',
  },
  {
    name: 'Bibs',
    type: 'integer',
    jsonPath: '.status.plan.totalBibRecords',
    description: 'Bib records, all institutions.',
  },
  {
    name: 'Step',
    type: 'string',
    jsonPath: '.status.currentStep',
    description: 'The step that runs now, or the one that failed.',
  },
  {
    name: 'Progress',
    type: 'integer',
    jsonPath: '.status.progress',
    description: 'Overall progress, percent.',
  },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  {
    name: 'Message',
    type: 'string',
    jsonPath: '.status.progressMessage',
    description: 'What is happening now (kubectl get -o wide).',
    priority: 1,
  },
];

export function customResourceDefinition() {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: CRD_NAME,
      labels: { 'app.kubernetes.io/name': 'alma-restore-operator' },
    },
    spec: {
      group: GROUP,
      names: {
        kind: KIND,
        listKind: `${KIND}List`,
        plural: PLURAL,
        singular: KIND.toLowerCase(),
        shortNames: [SHORT_NAME],
        categories: [CATEGORY],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: printerColumns,
          schema: { openAPIV3Schema },
        },
      ],
    },
  };
}

export const CRD_FILE = 'crds/almarestore.io_almarestores.yaml';

export function crdYaml(): string {
  return (
    `# Generated from src/api/crd.ts by \`npx tsx src/api/write-crd.ts\`; do not edit by hand.\n` +
    `# ${API_VERSION} ${KIND}: see docs/api.md.\n` +
    YAML.stringify(customResourceDefinition(), { lineWidth: 0 })
  );
}
