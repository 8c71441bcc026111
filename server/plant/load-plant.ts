import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { plantSchema, type Plant } from '../../lib/plant/schema.ts';
import { ConfigError } from '../../lib/errors.ts';
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

/** Reads and validates a plant file; the built-in demo plant when no path is given. */
export async function loadPlant(path: string = demoPlantPath): Promise<Plant> {
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
  return parsePlant(json, `plant file ${path}`);
}
