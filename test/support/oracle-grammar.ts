// A grammar of Oracle SQL and PL/SQL for tests: the grammars-v4 PlSql grammar as packaged by
// antlr4ts-sql (antlr4ts pinned to 0.5.0-alpha.4: later dev builds crash on load). Parses a
// statement or block without a database and returns the syntax errors, [] when it parses.
// Known gaps (valid Oracle syntax the grammar rejects) are listed in docs/oracle-behaviours.md.
import { createRequire } from 'node:module';
import type { ANTLRErrorListener } from 'antlr4ts';

const require = createRequire(import.meta.url);
const { antlr4tsSQL, SQLDialect, PredictionMode, BailErrorStrategy } =
  require('antlr4ts-sql') as typeof import('antlr4ts-sql');

const plsql = new antlr4tsSQL(SQLDialect.PLSQL);

/** Syntax errors in `sql` ("line:col message"); empty when the grammar accepts it. */
export function oracleSyntaxErrors(sql: string): string[] {
  const errors: string[] = [];
  const listener: ANTLRErrorListener<unknown> = {
    syntaxError(_r, _s, line, col, msg) {
      errors.push(`${line}:${col} ${msg.length > 160 ? `${msg.slice(0, 160)}...` : msg}`);
    },
  };
  const tokens = plsql.getTokens(sql, [listener]);
  const parser = plsql.getParser(tokens, [listener]) as import('antlr4ts').Parser;
  // SLL first (much faster on this large grammar); on an error, LL decides, as ANTLR advises.
  parser.interpreter.setPredictionMode(PredictionMode.SLL);
  parser.errorHandler = new BailErrorStrategy();
  try {
    plsql.getParseTree(parser);
    return errors;
  } catch {
    errors.length = 0;
    const again = plsql.getParser(plsql.getTokens(sql, [listener]), [listener]) as import('antlr4ts').Parser;
    again.interpreter.setPredictionMode(PredictionMode.LL);
    plsql.getParseTree(again);
    return errors;
  }
}
