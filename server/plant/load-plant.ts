import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { plantSchema, type ConnectionConfig, type Plant } from '../../lib/plant/schema.ts';
import { ConfigError, ValidationError } from '../../lib/errors.ts';
import { projectFile } from '../util/entry-points.ts';

export const demoPlantPath = projectFile('server/plant/demo-plant.json');

/** `['lines', 1, 'tags', 3, 'address']` → `lines[1].tags[3].address`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => {
    if (typeof key === 'number') return `${out}[${key}]`;
    return out ? `${out}.${String(key)}` : String(key);
  }, '');
}

export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((i) => `${formatPath(i.path) || '(root)'}: ${i.message}`);
}

/** Validates parsed plant JSON; throws a ConfigError listing every problem by path. */
export function parsePlant(input: unknown, source = 'plant file'): Plant {
  const result = plantSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = formatIssues(result.error.issues);
  throw new ConfigError(`${source} is invalid:\n  ${problems.join('\n  ')}`, { problems });
}

/** Each problem of a plant by path (`lines[1].tags[3].address`), or the plant with its defaults applied. */
export function checkPlant(input: unknown): { plant: Plant; problems?: undefined } | { plant?: undefined; problems: { path: string; message: string }[] } {
  const result = plantSchema.safeParse(input);
  if (result.success) return { plant: result.data };
  return { problems: result.error.issues.map((i) => ({ path: formatPath(i.path) || '(root)', message: i.message })) };
}

/**
 * One connection as the plant editor sends it for a test read, validated by the plant file's
 * rules (as the only connection of a line `line`); a ValidationError lists every problem by
 * path below `connection`.
 */
export function checkConnection(line: string, input: unknown): ConnectionConfig {
  const checked = checkPlant({ name: 'test read', lines: [{ id: line, name: line, connections: [input] }] });
  if (checked.plant) return checked.plant.lines[0]!.connections[0]!;
  const prefix = 'lines[0].connections[0]';
  const problems = checked.problems.map((p) => ({
    path: p.path.startsWith(prefix) ? `connection${p.path.slice(prefix.length)}` : p.path === 'lines[0].id' ? 'line' : p.path,
    message: p.message,
  }));
  const first = problems[0]!;
  return invalidInput(problems, first.path);
}

/** Refused input: every problem by path, answered beside the error for the editor to show each. */
export function invalidInput(problems: { path: string; message: string }[], field: string): never {
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  throw new ValidationError(`field "${field}": ${problems[0]!.message}${more}`, { field, details: { problems } });
}

/** Reads and validates a plant file; the built-in demo plant when no path is given. */
export async function loadPlant(path: string = demoPlantPath): Promise<Plant> {
  return (await readPlantFile(path)).plant;
}

/** A plant file as written (`raw`, what a stored version keeps) and validated. */
export async function readPlantFile(path: string = demoPlantPath): Promise<{ raw: unknown; plant: Plant }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new ConfigError(`cannot read plant file ${path}`, { cause, problems: [`(file): ${(cause as Error).message}`] });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError(`plant file ${path} is not valid JSON`, { cause, problems: [`(file): ${(cause as Error).message}`] });
  }
  return { raw: json, plant: parsePlant(json, `plant file ${path}`) };
}
