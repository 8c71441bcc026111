import type { EventPayloads, Quality, Sample } from '../types.ts';

/**
 * The wire form of a `sample` event. Every client gets every poll block, so the stream's bulk
 * is samples: sent as `{tag, ts, value, quality}` objects they cost ~4× the bytes of this
 * form. A sample is `[name, value]` when it is good and stamped with the event's `ts` (every
 * sample of one poll block is), else `[name, value, ts, quality, reason?]`; names are tag
 * names without the `line.` prefix. Snapshots keep whole `Sample` objects (sent once).
 */
export type WireSample = [name: string, value: number | null] | [name: string, value: number | null, ts: number, quality: Quality, reason?: string];

export interface WireSampleEvent {
  line: string;
  /** Reply received in the poller, epoch ms with fraction. */
  readAt: number;
  /** Timestamp of the samples that do not carry their own. */
  ts: number;
  s: WireSample[];
}

type SampleEvent = EventPayloads['sample'];

export function encodeSampleEvent(e: SampleEvent): WireSampleEvent {
  const prefix = e.line.length + 1;
  const ts = e.samples[0]?.ts ?? Math.round(e.readAt);
  return {
    line: e.line,
    readAt: e.readAt,
    ts,
    s: e.samples.map((x): WireSample => {
      const name = x.tag.slice(prefix);
      if (x.quality === 'good' && x.ts === ts) return [name, x.value];
      return x.reason === undefined ? [name, x.value, x.ts, x.quality] : [name, x.value, x.ts, x.quality, x.reason];
    }),
  };
}

export function decodeSampleEvent(w: WireSampleEvent): SampleEvent {
  const prefix = `${w.line}.`;
  return {
    line: w.line,
    readAt: w.readAt,
    samples: w.s.map(([name, value, ts, quality, reason]): Sample => {
      const tag = prefix + name;
      if (ts === undefined) return { tag, ts: w.ts, value, quality: 'good' };
      return reason === undefined ? { tag, ts, value, quality: quality! } : { tag, ts, value, quality: quality!, reason };
    }),
  };
}
