import type pg from 'pg';
import { type SimulationChoiceRow, simulationChoiceColumns, toSimulationChoice } from '../rows/simulation-choice-rows.ts';
import { withinFence } from '../rows/write-fences.ts';
import type { SimulationChoiceRepository } from '../store.ts';
import type { Migration } from './pg-migrate.ts';
import { inTransaction } from './pg-transaction.ts';
import { claimFences } from './pg-write-fences.ts';

export const postgresSimulationChoiceMigrations: Migration[] = [
  {
    id: 'simulation-choices-1',
    // One row per line an operator started or stopped; no row: the plant's default.
    sql: `CREATE TABLE simulation_choices (
        line text PRIMARY KEY,
        running boolean NOT NULL,
        scenario text NOT NULL,
        chosen_by text NOT NULL,
        chosen_at bigint NOT NULL
      );`,
  },
];

/** Operators' simulation choices on PostgreSQL: each call is one statement, a fenced choice one transaction. */
export function createPostgresSimulationChoices(pool: pg.Pool): SimulationChoiceRepository {
  return {
    async get(line) {
      const { rows } = await pool.query<SimulationChoiceRow>(`SELECT ${simulationChoiceColumns} FROM simulation_choices WHERE line = $1`, [line]);
      return rows[0] && toSimulationChoice(rows[0]);
    },
    async list() {
      const { rows } = await pool.query<SimulationChoiceRow>(`SELECT ${simulationChoiceColumns} FROM simulation_choices ORDER BY line`);
      return rows.map(toSimulationChoice);
    },
    async set(choice, fence) {
      const upsert = (client: pg.ClientBase | pg.Pool) =>
        client.query(
          `INSERT INTO simulation_choices (line, running, scenario, chosen_by, chosen_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (line) DO UPDATE SET running = excluded.running, scenario = excluded.scenario, chosen_by = excluded.chosen_by, chosen_at = excluded.chosen_at`,
          [choice.line, choice.running, choice.scenario, choice.by, choice.at],
        );
      if (!fence) {
        await upsert(pool);
        return true;
      }
      // The fence row stays locked until the choice is written: a new owner reads it after, or finds the fence raised.
      return inTransaction(pool, async (client) => {
        if (!withinFence(fence, await claimFences(client, [fence]))) return false;
        await upsert(client);
        return true;
      });
    },
    async clear(lines) {
      if (lines.length === 0) return 0;
      const { rowCount } = await pool.query('DELETE FROM simulation_choices WHERE line = ANY($1::text[])', [lines]);
      return rowCount ?? 0;
    },
  };
}
