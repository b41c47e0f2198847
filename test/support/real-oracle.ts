// The opt-in real-Oracle suites: they run only when ORACLE_TEST_CONNECT names a 19c PDB service
// (plus the variables `need()` asks for) and otherwise report themselves skipped, by name.
export const ORACLE_TEST_CONNECT = process.env.ORACLE_TEST_CONNECT;

export const SKIP_WITHOUT_ORACLE: string | false = ORACLE_TEST_CONNECT
  ? false
  : 'ORACLE_TEST_CONNECT not set: real-Oracle suite skipped';

/** A required variable of the real-Oracle suites; fails the suite naming it when absent. */
export function need(name: string): string {
  const v = process.env[name];
  if (!v)
    throw new Error(
      `${name} must be set for the real-Oracle suite (see docs/import.md and docs/prepare-verify.md)`,
    );
  return v;
}
