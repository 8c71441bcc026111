import type { Logger } from '../log/logger.ts';
import type { SimulationChoice, SimulationChoiceRepository, WriteFence } from '../storage/store.ts';

/** The operators' simulation choices, kept in the store for whoever owns a line next. */
export interface ChoiceBook {
  /**
   * Keeps an operator's start or stop (`what` names it in a log line), after every choice made
   * before it; resolves once written. With `fence`, a choice that reaches the store after a
   * newer owner took the line is dropped (store.ts `WriteFence`). Failures are logged, never thrown.
   */
  record(what: string, choice: SimulationChoice, fence?: WriteFence): Promise<void>;
  /** Forgets the choices of lines that left the plant (in the same order as the rest). */
  forget(lineIds: readonly string[]): void;
  /** The choice for one line, or every kept one; none when the store cannot be read (logged). */
  chosen(lineId?: string): Promise<SimulationChoice[]>;
  /** Resolves once every choice recorded so far is written (or its failure logged). */
  kept(): Promise<void>;
}

/** Without `choices` (tests) nothing is kept, and an owner that takes a line follows the plant's default. */
export function createChoiceBook(choices: SimulationChoiceRepository | undefined, log: Logger | undefined): ChoiceBook {
  /** Choices are written one after the other, in the order operators made them. */
  let keeping: Promise<void> = Promise.resolve();

  function keep(what: string, write: (repo: SimulationChoiceRepository) => Promise<unknown>): Promise<void> {
    if (!choices) return Promise.resolve();
    keeping = keeping
      .then(() => write(choices))
      .then(
        () => {},
        (error: unknown) => log?.warn({ err: error }, `could not keep ${what}: the line's next owner will not follow it`),
      );
    return keeping;
  }

  return {
    record(what, choice, fence) {
      return keep(what, async (repo) => {
        if (!(await repo.set(choice, fence)))
          log?.warn({ line: choice.line, token: fence?.token }, 'a simulation choice came after a newer owner took the line: not kept');
      });
    },
    forget(lineIds) {
      if (lineIds.length > 0) void keep(`forgetting the choices of lines gone (${lineIds.join(', ')})`, (repo) => repo.clear(lineIds));
    },
    async chosen(lineId) {
      if (!choices) return [];
      try {
        if (lineId === undefined) return await choices.list();
        const choice = await choices.get(lineId);
        return choice ? [choice] : [];
      } catch (error) {
        log?.warn({ err: error, line: lineId }, "could not read the operators' simulation choices: the plant's default holds");
        return [];
      }
    },
    kept: () => keeping,
  };
}
