// What "the library's data" is, area by area, in the tables of an Alma Local Backup. Every rule
// here comes from the vendor's "Alma Table/Field Definitions (High-Level)" (the end of
// shared/reference/alma-local-backup-guide.txt); the quoted enumerations are theirs. Pure data.
import type { CountCondition } from '../../oracle/inventory.js';

export const INVENTORY_AREAS = [
  'bibActive',
  'bibDeleted',
  'holdings',
  'authorities',
  'physicalItems',
  'portfolios',
  'digitalRepresentations',
  'digitalFiles',
  'users',
  'activeLoans',
  'requests',
  'poLines',
  'invoices',
  'vendors',
  'funds',
  'licenses',
  'finesFees',
] as const;
export type InventoryArea = (typeof INVENTORY_AREAS)[number];

export interface AreaRule {
  area: InventoryArea;
  label: string;
  table: string;
  where: CountCondition[];
  /** The vendor's words the rule rests on. */
  source: string;
}

const eq = (column: string, value: string | number): CountCondition => ({ column, op: '=', values: [value] });
const isIn = (column: string, values: (string | number)[]): CountCondition => ({ column, op: 'in', values });
const not = (column: string, value: string | number): CountCondition => ({
  column,
  op: '<>',
  values: [value],
});

export const AREA_RULES: readonly AreaRule[] = [
  {
    area: 'bibActive',
    label: 'bibliographic records (active)',
    table: 'MMS_RECORD',
    where: [eq('OBJECTTYPE', 'BIB_MMS'), eq('LIFE_CYCLE', 0)],
    source: 'MMS_RECORD: OBJECTTYPE BIB_MMS, HOLDING, AUTHORITY_MMS; LIFE_CYCLE 0=Active, 3=Deleted',
  },
  {
    area: 'bibDeleted',
    label: 'bibliographic records (deleted)',
    table: 'MMS_RECORD',
    where: [eq('OBJECTTYPE', 'BIB_MMS'), eq('LIFE_CYCLE', 3)],
    source: 'MMS_RECORD: LIFE_CYCLE 3=Deleted',
  },
  {
    area: 'holdings',
    label: 'holdings records',
    table: 'MMS_RECORD',
    where: [eq('OBJECTTYPE', 'HOLDING'), eq('LIFE_CYCLE', 0)],
    source: 'MMS_RECORD: OBJECTTYPE HOLDING (holding record master xml is stored in MMS_RECORD)',
  },
  {
    area: 'authorities',
    label: 'local authority records',
    table: 'MMS_RECORD',
    where: [eq('OBJECTTYPE', 'AUTHORITY_MMS'), eq('LIFE_CYCLE', 0)],
    source: 'MMS_RECORD: OBJECTTYPE AUTHORITY_MMS',
  },
  {
    area: 'physicalItems',
    label: 'physical items',
    table: 'HDEMETADATA',
    where: [eq('OBJECTTYPE', 'ITEM'), eq('LIFECYCLE', 'IN_PERMANENT_REPOSITORY')],
    source: 'HDEMETADATA: OBJECTTYPE IEP, HOLDING, ITEM; LIFECYCLE IN_PERMANENT_REPOSITORY, DELETED',
  },
  {
    area: 'portfolios',
    label: 'electronic portfolios',
    table: 'HDEMETADATA',
    where: [eq('OBJECTTYPE', 'PORTFOLIO'), eq('LIFECYCLE', 'IN_PERMANENT_REPOSITORY')],
    source: 'HDEMETADATA: OBJECTTYPE IEE, TPS, PORTFOLIO',
  },
  {
    area: 'digitalRepresentations',
    label: 'digital representations',
    table: 'HDEMETADATA',
    where: [
      isIn('OBJECTTYPE', ['REPRESENTATION', 'REMOTE_REPRESENTATION']),
      eq('LIFECYCLE', 'IN_PERMANENT_REPOSITORY'),
    ],
    source: 'HDEMETADATA: OBJECTTYPE IED, REPRESENTATION, REMOTE_REPRESENTATION, FILE',
  },
  {
    area: 'digitalFiles',
    label: 'digital files',
    table: 'HDEMETADATA',
    where: [eq('OBJECTTYPE', 'FILE'), eq('LIFECYCLE', 'IN_PERMANENT_REPOSITORY')],
    source: 'HDEMETADATA: FILES to REPRESENTATION',
  },
  {
    area: 'users',
    label: 'users (active)',
    table: 'HFRUSER',
    where: [eq('STATUS', 0)],
    source: 'HFRUSER: STATUS 0 (Active), 1 (Inactive)',
  },
  {
    area: 'activeLoans',
    label: 'active loans',
    table: 'ITEM_LOAN',
    where: [isIn('LOAN_STATUS', [0, 1])],
    source: 'ITEM_LOAN: LOAN_STATUS 0 (Active), 1 (Renewed/Recalled), 2 (Completed)',
  },
  {
    area: 'requests',
    label: 'requests (open)',
    table: 'FUL_REQUEST',
    where: [isIn('REQUEST_STATUS', ['ACTIVE', 'READY'])],
    source: 'FUL_REQUEST: REQUEST_STATUS FAILED, REJECTED, ACTIVE, READY',
  },
  {
    area: 'poLines',
    label: 'PO lines',
    table: 'PO_LINE',
    where: [],
    source: 'PO_LINE: stores and manages all PO lines',
  },
  {
    area: 'invoices',
    label: 'invoices',
    table: 'INVOICE',
    where: [],
    source: 'INVOICE: all invoices are managed here',
  },
  {
    area: 'vendors',
    label: 'vendors (not deleted)',
    table: 'VENDOR',
    where: [not('STATUS', 2)],
    source: 'VENDOR: STATUS 1=Active, 0=Inactive, 2=Deleted',
  },
  {
    area: 'funds',
    label: 'allocated funds',
    table: 'FUND_LEDGER',
    where: [eq('ENTITY_TYPE', 'ALLOCATED')],
    source: 'FUND_LEDGER: ENTITY_TYPE LEDGER, SUMMARY, ALLOCATED',
  },
  {
    area: 'licenses',
    label: 'licenses (not deleted)',
    table: 'LICENSE',
    where: [not('STATUS', 'DELETED')],
    source: 'LICENSE: STATUS DELETED, DRAFT, ACTIVE, EXPIRED, RETIRED',
  },
  {
    area: 'finesFees',
    label: 'fines and fees (not closed)',
    table: 'USER_FINES_FEES',
    where: [isIn('FINE_FEE_STATUS', ['ACTIVE', 'INDISPUTE'])],
    source: 'USER_FINES_FEES: FINE_FEE_STATUS = ACTIVE, INDISPUTE, CLOSED',
  },
];

/** The table and the column that break the bibliographic area down per library. */
export const PER_LIBRARY = { table: 'MMS_RECORD', column: 'LIBRARYID' } as const;
