// The names DBMS_DATAPUMP accepts for an IMPORT job in 19c, as the double enforces them: a name
// outside these lists is refused the way Oracle refuses it (ORA-39001 invalid argument value; an
// unknown SET_PARAMETER name ORA-39001 + ORA-39049). Sources, per list, in docs/oracle-behaviours.md
// ("Data Pump"): PL/SQL Packages and Types Reference 19c, DBMS_DATAPUMP METADATA_FILTER,
// METADATA_TRANSFORM and SET_PARAMETER; Utilities 19c, impdp TRANSFORM and TABLE_EXISTS_ACTION.
// Oracle's messages come from the replayed fixture (oracle-fixtures.ts).

/** METADATA_FILTER names (the reference's "Filters" table; *_EXPR take a SQL expression, *_LIST a list). */
export const METADATA_FILTER_NAMES: ReadonlySet<string> = new Set([
  'NAME_EXPR',
  'NAME_LIST',
  'SCHEMA_EXPR',
  'SCHEMA_LIST',
  'TABLESPACE_EXPR',
  'TABLESPACE_LIST',
  'INCLUDE_PATH_EXPR',
  'INCLUDE_PATH_LIST',
  'EXCLUDE_PATH_EXPR',
  'EXCLUDE_PATH_LIST',
  'EXCLUDE_NAME_EXPR',
  'EXCLUDE_NAME_LIST',
]);

/** METADATA_TRANSFORM names valid on import in 19c (impdp TRANSFORM's list). */
export const METADATA_TRANSFORM_NAMES: ReadonlySet<string> = new Set([
  'CONSTRAINT_USE_DEFAULT_INDEX',
  'DISABLE_ARCHIVE_LOGGING',
  'DWCS_CVT_CONSTRAINTS',
  'DWCS_CVT_IOTS',
  'INMEMORY',
  'INMEMORY_CLAUSE',
  'LOB_STORAGE',
  'OID',
  'OMIT_ENCRYPTION_CLAUSE',
  'PCTSPACE',
  'SEGMENT_ATTRIBUTES',
  'SEGMENT_CREATION',
  'STORAGE',
  'TABLE_COMPRESSION_CLAUSE',
]);

/** SET_PARAMETER names valid on import, with the values the double checks (undefined = any). */
export const SET_PARAMETER_VALUES: ReadonlyMap<string, readonly (string | number)[] | undefined> = new Map<
  string,
  readonly (string | number)[] | undefined
>([
  ['CLIENT_COMMAND', undefined],
  ['DATA_ACCESS_METHOD', ['AUTOMATIC', 'DIRECT_PATH', 'EXTERNAL_TABLE', 'CONVENTIONAL', 'INSERT_AS_SELECT']],
  ['DATA_OPTIONS', undefined],
  ['ENCRYPTION_PASSWORD', undefined],
  ['ESTIMATE', ['BLOCKS', 'STATISTICS']],
  ['INCLUDE_METADATA', [0, 1]],
  ['KEEP_MASTER', [0, 1]],
  ['LOGTIME', ['NONE', 'STATUS', 'LOGFILE', 'ALL']],
  ['MASTER_ONLY', [0, 1]],
  ['METRICS', [0, 1]],
  ['PARTITION_OPTIONS', ['NONE', 'DEPARTITION', 'MERGE']],
  ['REUSE_DATAFILES', [0, 1]],
  ['SKIP_UNUSABLE_INDEXES', [0, 1]],
  ['SOURCE_EDITION', undefined],
  ['STREAMS_CONFIGURATION', [0, 1]],
  ['TABLE_EXISTS_ACTION', ['SKIP', 'APPEND', 'TRUNCATE', 'REPLACE']],
  ['TABLESPACE_DATAFILE', undefined],
  ['TARGET_EDITION', undefined],
  ['TRANSPORTABLE', ['ALWAYS', 'NEVER']],
  ['TTS_FULL_CHECK', [0, 1]],
  ['USER_METADATA', [0, 1]],
]);
