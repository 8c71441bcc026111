import type Database from 'better-sqlite3';
import { type SimulationChoiceRow, simulationChoiceColumns, toSimulationChoice } from '../rows/simulation-choice-rows.ts';
import { withinFence } from '../rows/write-fences.ts';
import type { SimulationChoice, SimulationChoiceRepository, WriteFence } from '../store.ts';
import type { Migration } from './migrate.ts';
import type { Synchronous } from './promised.ts';
import { fenceClaimer } from './write-fences.ts';

export const simulationChoiceMigrations: Migration[] = [
  {
    id: 'simulation-choices-1',
    // One row per line an operator started or stopped; no row: the plant's default.
    sql: `CREATE TABLE simulation_choices (
        line TEXT PRIMARY KEY,
        running INTEGER NOT NULL,
        scenario TEXT NOT NULL,
        chosen_by TEXT NOT NULL,
        chosen_at INTEGER NOT NULL
      );`,
  },
];

/** Operators' simulation choices on SQLite (rare writes, on the main connection); a fenced one claims its line's fence in the same transaction. */
export function createSqliteSimulationChoices(db: Database.Database): Synchronous<SimulationChoiceRepository> {
  const get = db.prepare<[string], SimulationChoiceRow>(`SELECT ${simulationChoiceColumns} FROM simulation_choices WHERE line = ?`);
  const list = db.prepare<[], SimulationChoiceRow>(`SELECT ${simulationChoiceColumns} FROM simulation_choices ORDER BY line`);
  const set = db.prepare<{ line: string; running: number; scenario: string; by: string; at: number }>(
    `INSERT INTO simulation_choices (line, running, scenario, chosen_by, chosen_at) VALUES ($line, $running, $scenario, $by, $at)
     ON CONFLICT (line) DO UPDATE SET running = excluded.running, scenario = excluded.scenario, chosen_by = excluded.chosen_by, chosen_at = excluded.chosen_at`,
  );
  const clear = db.prepare<[string]>('DELETE FROM simulation_choices WHERE line IN (SELECT value FROM json_each(?))');
  const claimFences = fenceClaimer(db);
  return {
    get(line) {
      const row = get.get(line);
      return row && toSimulationChoice(row);
    },
    list: () => list.all().map(toSimulationChoice),
    set: db.transaction((choice: SimulationChoice, fence?: WriteFence) => {
      if (fence && !withinFence(fence, claimFences([fence]))) return false;
      set.run({ line: choice.line, running: choice.running ? 1 : 0, scenario: choice.scenario, by: choice.by, at: choice.at });
      return true;
    }),
    clear: (lines) => (lines.length === 0 ? 0 : clear.run(JSON.stringify(lines)).changes),
  };
}
