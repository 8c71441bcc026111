import { sameValue } from '../../../lib/plant/plant-diff.ts';
import { formatPath, getIn, type Problem, type Step } from './draft.ts';

/**
 * Problems the server named (a refused apply, a refused "Read now"), shown at their fields
 * like the draft's own: each keeps the value its field had when the server named it, and
 * stands until that value changes. Where the draft's own validation already names a field,
 * its words are shown, not the server's.
 */
export interface ServerProblem extends Problem {
  /** The value at `path` when the server named it. */
  value: unknown;
}

/** The steps of a problem path (`lines[0].connections[1].tags[3].address`). */
export function stepsOf(path: string): Step[] {
  return [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]!));
}

/**
 * A "Read now" refusal's problems (paths below `connection`, or `line` for its id) as paths
 * of the plant: `connection.unitId` → `lines[2].connections[1].unitId`.
 */
export function readNowProblems(problems: readonly Problem[], lineIndex: number, connIndex: number): Problem[] {
  const conn = formatPath(['lines', lineIndex, 'connections', connIndex]);
  return problems.map((p) => {
    if (p.path === 'connection' || p.path.startsWith('connection.') || p.path.startsWith('connection[')) {
      return { ...p, path: `${conn}${p.path.slice('connection'.length)}` };
    }
    if (p.path === 'line') return { ...p, path: formatPath(['lines', lineIndex, 'id']) };
    return p;
  });
}

/** Problems the server named, with the values their fields have now in `draft`. */
export function serverProblemsOf(problems: readonly Problem[], draft: unknown): ServerProblem[] {
  return problems.map((p) => ({ ...p, value: getIn(draft, stepsOf(p.path)) }));
}

/** The server's problems that still stand in `draft` and that `own` (the draft's validation) does not name already. */
export function standingServerProblems(server: readonly ServerProblem[], draft: unknown, own: readonly Problem[]): Problem[] {
  const named = new Set(own.map((p) => p.path));
  return server.filter((p) => !named.has(p.path) && sameValue(getIn(draft, stepsOf(p.path)), p.value)).map(({ path, message }) => ({ path, message }));
}
