// The data inventory on a real database: runs the statements of sql/inventory.ts on an
// OracleConnection and maps rows. Decisions (which areas, which checks) live in the verify step.
import type { StepConfig } from '../contract/step-config.js';
import { openConnection, type OpenConnectionOptions, type OracleConnection } from './connection.js';
import type { CountQuery, CountRow, InventorySession } from './inventory.js';
import { countSql, tableColumnsSql } from './sql/inventory.js';

type Row = Record<string, unknown>;

export class OracleInventory implements InventorySession {
  constructor(private readonly conn: OracleConnection) {}

  async tableColumns(schema: string, tables: string[]): Promise<Map<string, Set<string>>> {
    const { sql, binds } = tableColumnsSql(schema, tables);
    const out = new Map<string, Set<string>>();
    for (const r of (await this.conn.execute<Row>(sql, binds)).rows) {
      const table = String(r.TABLE_NAME);
      if (!out.has(table)) out.set(table, new Set());
      out.get(table)!.add(String(r.COLUMN_NAME));
    }
    return out;
  }

  async count(query: CountQuery): Promise<CountRow[]> {
    const { sql, binds } = countSql(query);
    return (await this.conn.execute<Row>(sql, binds)).rows.map((r) => ({
      group: query.groupBy && r.GRP !== null && r.GRP !== undefined ? String(r.GRP) : null,
      counts: Object.fromEntries(query.measures.map((m) => [m.name, Number(r[m.name.toUpperCase()] ?? 0)])),
    }));
  }

  close(): Promise<void> {
    return this.conn.close();
  }
}

export async function openInventory(
  config: StepConfig,
  options: OpenConnectionOptions = {},
): Promise<InventorySession> {
  return new OracleInventory(await openConnection(config, options));
}
