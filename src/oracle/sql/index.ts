// The SQL of the project, by area; each file is meant to be read by a DBA.
export * from './datapump.js';
export * from './dictionary.js';
