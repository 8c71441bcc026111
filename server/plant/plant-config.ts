import { isDeepStrictEqual } from 'node:util';
import { ConfigError, ConflictError, ForbiddenError, NotFoundError } from '../../lib/errors.ts';
import type { Plant } from '../../lib/plant/schema.ts';
import type { Actor, Audited } from '../auth/audited.ts';
import type { Logger } from '../log/logger.ts';
import type { PlantRepository, PlantVersion, PlantVersionInfo } from '../storage/store.ts';
import { checkPlant, invalidInput } from './load-plant.ts';
import { planChange, type PlantChange } from './plan-change.ts';

/** What the runtime's parts do with a version once it is stored (see runtime.ts). */
export type ApplyPlant = (next: Plant, change: PlantChange, applied: { version: number; by: { user: string; comment: string } }) => Promise<void>;

export interface PlantConfig {
  /** The plant running now, defaults applied. */
  plant(): Plant;
  /** The version running now, as stored (plant-file form). */
  current(): PlantVersion;
  /** True when the plant file is the source of truth (LINEWATCH_PLANT_SOURCE=file): no edits here. */
  readonly readOnly: boolean;
  /**
   * Validates `input`, stores it as the version after `baseVersion`, applies it live, audits it.
   * 400 listing every problem by path; 409 when `baseVersion` is not the current version (with
   * `current` in the answer); an input equal to the running plant changes nothing.
   */
  apply(input: unknown, baseVersion: number, actor: Actor, comment?: string): Promise<{ version: number; changes: string[] }>;
  /** Applies an earlier version again, as a new version. */
  rollback(version: number, baseVersion: number, actor: Actor): Promise<{ version: number; changes: string[] }>;
  versions(): Promise<PlantVersionInfo[]>;
  version(v: number): Promise<PlantVersion>;
  /**
   * A version another process stored and applied (a web instance's, heard of on the live bus):
   * made current here and handed to `applyHere`; nothing when it is not newer than the current.
   */
  adopt(version: number, applyHere: ApplyPlant): Promise<void>;
}

export interface PlantConfigOptions {
  repo: PlantRepository;
  /** The plant file (or demo plant) as written, and where it came from: the first start's version, or every start's with `readOnly`. */
  seed: { raw: unknown; source: string };
  readOnly: boolean;
  audited: Audited;
  log: Logger;
}

/**
 * The plant as stored versions (DESIGN.md "Plant configuration"): opened from the store (seeded
 * from the plant file on the first start), applied live through `applyPlant`, one apply at a
 * time in this process and race-free across processes (the store refuses a stale base).
 */
export async function openPlantConfig(options: PlantConfigOptions, applyPlant: () => ApplyPlant): Promise<PlantConfig> {
  const { repo, log } = options;
  let current = await startingVersion();
  let plant = parseStored(current);
  /** Applies run one after another: each plans against the version the one before left. */
  let queue: Promise<unknown> = Promise.resolve();

  async function startingVersion(): Promise<PlantVersion> {
    const latest = await repo.latest();
    if (latest && !(options.readOnly && !isDeepStrictEqual(latest.plant, options.seed.raw))) return latest;
    const seeded = await repo.append({
      baseVersion: latest?.version ?? null,
      plant: options.seed.raw,
      appliedBy: 'system',
      comment: `${latest ? 'read from' : 'seeded from'} ${options.seed.source}`,
    });
    log.info({ version: seeded.version, source: options.seed.source }, 'plant version stored');
    return seeded;
  }

  function parseStored(v: PlantVersion): Plant {
    const checked = checkPlant(v.plant);
    if (checked.problems) {
      const problems = checked.problems.map((p) => `${p.path}: ${p.message}`);
      throw new ConfigError(`stored plant version ${v.version} is invalid:\n  ${problems.join('\n  ')}`, { problems });
    }
    return checked.plant;
  }

  function serially<T>(run: () => Promise<T>): Promise<T> {
    const next = queue.then(run, run);
    queue = next.catch(() => {});
    return next;
  }

  async function applyNow(input: unknown, baseVersion: number, actor: Actor, comment: string | undefined): Promise<{ version: number; changes: string[] }> {
    if (options.readOnly) {
      throw new ForbiddenError('the plant is managed in its file (LINEWATCH_PLANT_SOURCE=file): edit the file and restart', { field: 'plant' });
    }
    const checked = checkPlant(input);
    if (checked.problems) invalidInput(checked.problems, `plant.${checked.problems[0]!.path}`);
    return serially(async () => {
      if (baseVersion !== current.version) throw conflict(baseVersion);
      const next = checked.plant;
      const change = planChange(plant, next);
      if (change.empty && isDeepStrictEqual(input, current.plant)) return { version: current.version, changes: [] };
      const changes = change.empty ? ['no change to what runs (formatting or defaults only)'] : change.summary;
      const detail = `version ${baseVersion + 1}: ${changes.join('; ')}`.slice(0, 1000);
      return options.audited(
        actor,
        'plant.apply',
        'plant',
        async () => {
          let stored: PlantVersion;
          try {
            stored = await repo.append({ baseVersion, plant: input, appliedBy: actor.username, comment: comment?.trim() || null });
          } catch (error) {
            // Another process (a second web instance) applied on this base first.
            if (error instanceof ConflictError) throw conflict(baseVersion, await repo.latest());
            throw error;
          }
          current = stored;
          plant = next;
          const why = comment?.trim() || (stored.comment ?? `plant version ${stored.version}`);
          await applyPlant()(next, change, { version: stored.version, by: { user: actor.username, comment: `plant version ${stored.version}: ${why}` } });
          log.info({ version: stored.version, by: actor.username, changes: changes.length }, 'plant version applied');
          return { version: stored.version, changes };
        },
        detail,
      );
    });
  }

  function conflict(baseVersion: number, latest: PlantVersion | undefined = current): ConflictError {
    const info = latest && { version: latest.version, appliedAt: latest.appliedAt, appliedBy: latest.appliedBy, comment: latest.comment };
    return new ConflictError(`plant version ${baseVersion} is not the current version (${latest?.version}): ${latest?.appliedBy} applied another meanwhile`, {
      field: 'baseVersion',
      details: { current: info },
    });
  }

  async function version(v: number): Promise<PlantVersion> {
    const found = await repo.get(v);
    if (!found) throw new NotFoundError(`no plant version ${v}`, { field: 'version' });
    return found;
  }

  return {
    plant: () => plant,
    current: () => current,
    readOnly: options.readOnly,
    apply: (input, baseVersion, actor, comment) => applyNow(input, baseVersion, actor, comment),
    async rollback(v, baseVersion, actor) {
      const earlier = await version(v);
      return applyNow(earlier.plant, baseVersion, actor, `rolled back to version ${v}`);
    },
    versions: () => repo.list(),
    version,
    adopt: (v, applyHere) =>
      serially(async () => {
        if (v <= current.version) return;
        const stored = await version(v);
        const next = parseStored(stored);
        const change = planChange(plant, next);
        current = stored;
        plant = next;
        await applyHere(next, change, { version: v, by: { user: stored.appliedBy, comment: `plant version ${v}: ${stored.comment ?? 'applied'}` } });
        log.info({ version: v, by: stored.appliedBy }, 'plant version applied by another instance taken');
      }),
  };
}
