import type { PlantChange } from '../../../lib/plant/plant-diff.ts';
import { connectionWhere } from './connection-protocols.ts';

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** A whole line, connection or tag (added or removed) in words; undefined for other values. */
function partText(v: Obj): string | undefined {
  if (Array.isArray(v.connections)) {
    const tags = v.connections.reduce<number>((n, c) => n + (isObject(c) && Array.isArray(c.tags) ? c.tags.length : 0), 0);
    return `line “${String(v.name ?? v.id)}”: ${count(v.connections.length, 'connection')}, ${count(tags, 'tag')}`;
  }
  if (Array.isArray(v.tags)) {
    const where = connectionWhere(v);
    const names = v.tags.map((t) => (isObject(t) ? String(t.name) : '?'));
    return `${where}${v.simulated ? ' (simulated)' : ''}, ${count(names.length, 'tag')}: ${names.slice(0, 8).join(', ')}${names.length > 8 ? ', …' : ''}`;
  }
  if (typeof v.area === 'string' && 'address' in v) {
    const bit = v.bit !== undefined ? `.${String(v.bit)}` : '';
    return `${String(v.area)} ${String(v.address)}${bit} ${String(v.type)}${v.label ? ` “${String(v.label)}”` : ''}${v.alarms ? ', with alarms' : ''}`;
  }
  return undefined;
}

/** A value in a change, short enough for one line: lines, connections and tags in words, other objects as compact JSON, cut. */
export function valueText(v: unknown, max = 160): string {
  if (v === undefined) return '—';
  const s = typeof v === 'string' ? `“${v}”` : ((isObject(v) ? partText(v) : undefined) ?? JSON.stringify(v));
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

const kindWord: Record<PlantChange['kind'], string> = { added: 'Added', removed: 'Removed', changed: 'Changed' };

/**
 * A diff as a list people read: the kind in words (never colour alone), the path by ids,
 * before → after. Long lists show their first `limit` with the count of the rest.
 */
export function ChangeList({ changes, label, limit = 200 }: { changes: readonly PlantChange[]; label: string; limit?: number }) {
  if (changes.length === 0) return <p className="text-muted">No differences.</p>;
  return (
    <>
      <ul aria-label={label} className="divide-y divide-edge-soft rounded-md border border-edge-soft bg-raised text-sm">
        {changes.slice(0, limit).map((c) => (
          <li key={`${c.kind} ${c.path}`} className="px-3 py-2" data-change={c.kind}>
            <span className="mr-2 inline-block min-w-16 font-semibold">{kindWord[c.kind]}</span>
            <code className="font-mono break-all">{c.path}</code>
            {c.kind === 'changed' ? (
              <span className="block break-all text-muted">
                <span className="sr-only">from </span>
                {valueText(c.before)} <span aria-hidden="true">→</span>
                <span className="sr-only"> to</span> <span className="font-semibold text-fg">{valueText(c.after)}</span>
              </span>
            ) : (
              <span className="block break-all text-muted">{valueText(c.kind === 'added' ? c.after : c.before)}</span>
            )}
          </li>
        ))}
      </ul>
      {changes.length > limit && <p className="mt-1 text-sm text-muted">… and {changes.length - limit} more.</p>}
    </>
  );
}
