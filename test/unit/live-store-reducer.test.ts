import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AlarmStateName, AlarmView } from '../../lib/alarms/alarm-types.ts';
import { emptyLiveState, parseStreamEvent, reduceLive, sampleOf, snapshotOf, type LiveMessage, type LiveState } from '../../lib/client/live-store-reducer.ts';
import { trendPoints } from '../../lib/client/live-trend.ts';
import { encodeSampleEvent } from '../../lib/stream/sample-wire.ts';
import type { LineState, ProcessInfo, ProcessStatus, Quality, Sample, Snapshot } from '../../lib/types.ts';

const sample = (tag: string, ts: number, value: number | null, quality: Quality = 'good'): Sample => ({ tag, ts, value, quality });
const line = (id: string, state: LineState = 'running', lastSampleAt: number | null = null) => ({ id, state, lastSampleAt });
const proc = (id: string, status: ProcessStatus = 'running'): ProcessInfo => ({
  id,
  name: id,
  status,
  pid: 1,
  startedAt: 0,
  stoppedAt: null,
  exitCode: null,
  signal: null,
  restarts: 0,
  tail: [],
  info: {},
});
const alarm = (id: string, state: AlarmStateName): AlarmView => ({
  id,
  line: 'a',
  tag: 'a.t',
  connection: 'c',
  kind: 'hi',
  label: 'T',
  message: 'T high',
  priority: 'high',
  limit: 100,
  deadband: 0,
  unit: '°C',
  decimals: 1,
  maxShelveMs: 3600_000,
  state,
  active: state !== 'normal',
  acknowledged: false,
  value: 120,
  quality: 'good',
  activeSince: 1,
  lastChange: 1,
  ack: null,
  shelved: null,
  outOfService: null,
  seq: 1,
});
const snapshot = (over: Partial<Snapshot> = {}): Snapshot => ({ id: '1000-1', lines: [], values: [], processes: [], alarms: [], ...over });
const batch = (lineId: string, samples: Sample[]): LiveMessage => ({ type: 'sample', batch: { line: lineId, readAt: 0, samples } });

/** The state as plain data, for `deepEqual`. */
function view(s: LiveState) {
  return {
    source: s.source,
    storedDataAt: s.storedDataAt,
    lines: Object.fromEntries([...s.lines].map(([id, l]) => [id, `${l.state}@${l.lastSampleAt}`])),
    values: Object.fromEntries(snapshotOf(s).values.map((v) => [v.tag, `${v.value} ${v.quality}@${v.ts}`])),
    lastGoodAt: Object.fromEntries(s.lastGoodAt),
    processList: s.processList?.map((p) => `${p.id}:${p.status}`) ?? null,
    alarms: [...s.alarms.keys()].sort(),
    trends: Object.fromEntries([...s.trends].map(([tag, t]) => [tag, trendPoints(t).map((p) => p.ts)])),
  };
}
type View = ReturnType<typeof view>;

const base: LiveMessage[] = [
  { type: 'track', tag: 'a.t' },
  {
    type: 'snapshot',
    snapshot: snapshot({
      lines: [line('a'), line('b', 'stopped', 50)],
      values: [sample('a.t', 100, 1), sample('a.u', 100, 2, 'bad'), sample('b.t', 90, 3)],
      processes: [proc('sim-b'), proc('sim-a')],
      alarms: [alarm('a.t.hi', 'unack-active')],
    }),
  },
];
const baseView: View = {
  source: 'live',
  storedDataAt: null,
  lines: { a: 'running@null', b: 'stopped@50' },
  values: { 'a.t': '1 good@100', 'a.u': '2 bad@100', 'b.t': '3 good@90' },
  lastGoodAt: { a: 100, b: 90 },
  processList: ['sim-a:running', 'sim-b:running'],
  alarms: ['a.t.hi'],
  trends: { 'a.t': [100] },
};

const cases: { name: string; given: LiveMessage[]; message: LiveMessage; expected: Partial<View> }[] = [
  {
    name: 'a snapshot on an empty store makes it live; good samples set the line freshness; processes sort by id',
    given: [{ type: 'track', tag: 'a.t' }],
    message: base[1]!,
    expected: baseView,
  },
  {
    name: 'a snapshot replaces values, lines, processes and alarms; the trend ignores a repeated value',
    given: base,
    message: { type: 'snapshot', snapshot: snapshot({ lines: [line('c')], values: [sample('a.t', 100, 1), sample('c.x', 5, 9)], processes: [proc('p')] }) },
    expected: {
      lines: { c: 'running@null' },
      values: { 'a.t': '1 good@100', 'c.x': '9 good@5' },
      lastGoodAt: { a: 100, c: 5 },
      processList: ['p:running'],
      alarms: [],
      trends: { 'a.t': [100] },
    },
  },
  {
    name: 'the last known state shows as stored, with its time',
    given: [],
    message: { type: 'last-known', snapshot: snapshot({ values: [sample('a.t', 7, 1)] }), dataAt: 1234 },
    expected: { source: 'stored', storedDataAt: 1234, values: { 'a.t': '1 good@7' }, lastGoodAt: { a: 7 }, processList: [] },
  },
  {
    name: "the stream's snapshot replaces the last known state",
    given: [{ type: 'last-known', snapshot: snapshot({ values: [sample('a.t', 7, 1)] }), dataAt: 1234 }],
    message: { type: 'snapshot', snapshot: snapshot({ values: [sample('a.x', 8, 2)] }) },
    expected: { source: 'live', storedDataAt: null, values: { 'a.x': '2 good@8' }, lastGoodAt: { a: 8 } },
  },
  {
    name: 'the last known state read after the snapshot came is ignored',
    given: base,
    message: { type: 'last-known', snapshot: snapshot(), dataAt: 1 },
    expected: baseView,
  },
  {
    name: 'a sample batch sets values, the line freshness, the line newest sample, and trend points',
    given: base,
    message: batch('a', [sample('a.t', 200, 5), sample('a.u', 210, 6, 'bad')]),
    expected: {
      lines: { a: 'running@210', b: 'stopped@50' },
      values: { 'a.t': '5 good@200', 'a.u': '6 bad@210', 'b.t': '3 good@90' },
      lastGoodAt: { a: 200, b: 90 },
      trends: { 'a.t': [100, 200] },
    },
  },
  {
    name: 'an older sample moves neither the line newest sample, nor its freshness, nor the trend',
    given: [...base, batch('b', [sample('b.t', 300, 4)])],
    message: batch('b', [sample('b.t', 250, 5)]),
    expected: {
      lines: { a: 'running@null', b: 'stopped@300' },
      values: { 'a.t': '1 good@100', 'a.u': '2 bad@100', 'b.t': '5 good@250' },
      lastGoodAt: { a: 100, b: 300 },
    },
  },
  {
    name: 'a sample of a line the store does not know adds the value, not the line',
    given: base,
    message: batch('z', [sample('z.q', 400, 1)]),
    expected: { lines: baseView.lines, values: { ...baseView.values, 'z.q': '1 good@400' }, lastGoodAt: { a: 100, b: 90, z: 400 } },
  },
  {
    name: 'trend points older than the window go (window 10 min)',
    given: [...base, batch('a', [sample('a.t', 300_000, 2)])],
    message: batch('a', [sample('a.t', 600_150, 3)]),
    expected: {
      lines: { a: 'running@600150', b: 'stopped@50' },
      values: { ...baseView.values, 'a.t': '3 good@600150' },
      lastGoodAt: { a: 600_150, b: 90 },
      trends: { 'a.t': [300_000, 600_150] },
    },
  },
  {
    name: 'a line event replaces the status of its line',
    given: base,
    message: { type: 'line', status: line('b', 'comm-lost', 60) },
    expected: { lines: { a: 'running@null', b: 'comm-lost@60' } },
  },
  {
    name: 'a process event replaces or adds a process, in id order',
    given: base,
    message: { type: 'process', info: proc('sim-0', 'crashed') },
    expected: { processList: ['sim-0:crashed', 'sim-a:running', 'sim-b:running'] },
  },
  {
    name: 'an alarm that is not normal is kept',
    given: base,
    message: { type: 'alarm', alarm: alarm('b.t.lo', 'shelved') },
    expected: { alarms: ['a.t.hi', 'b.t.lo'] },
  },
  {
    name: 'an alarm back to normal goes',
    given: base,
    message: { type: 'alarm', alarm: alarm('a.t.hi', 'normal') },
    expected: { alarms: [] },
  },
  {
    name: 'tracking a tag starts an empty trend',
    given: base,
    message: { type: 'track', tag: 'b.t' },
    expected: { trends: { 'a.t': [100], 'b.t': [] } },
  },
];

for (const c of cases) {
  test(`reduceLive: ${c.name}`, () => {
    const before = c.given.reduce((s, m) => reduceLive(s, m), emptyLiveState);
    const seen = view(before);
    const after = reduceLive(before, c.message);
    assert.deepEqual(view(after), { ...view(before), ...c.expected });
    // Pure: the state given is as it was.
    assert.deepEqual(view(before), seen);
  });
}

test('reduceLive returns the same state when nothing changed', () => {
  const s = base.reduce((acc, m) => reduceLive(acc, m), emptyLiveState);
  const same: LiveMessage[] = [
    { type: 'heartbeat', ts: 5 },
    { type: 'track', tag: 'a.t' },
    { type: 'alarm', alarm: alarm('never-raised', 'normal') },
    { type: 'last-known', snapshot: snapshot(), dataAt: 1 },
  ];
  for (const m of same) assert.equal(reduceLive(s, m), s, m.type);
});

test('a sample batch copies only what it changed: other lines, samples and processes stay the same objects', () => {
  const s = base.reduce((acc, m) => reduceLive(acc, m), emptyLiveState);
  const next = reduceLive(s, batch('a', [sample('a.t', 200, 5)]));
  assert.equal(next.values.get('b'), s.values.get('b'));
  assert.notEqual(next.values.get('a'), s.values.get('a'));
  assert.equal(sampleOf(next, 'a.u'), sampleOf(s, 'a.u'));
  assert.notEqual(sampleOf(next, 'a.t'), sampleOf(s, 'a.t'));
  assert.equal(next.lines.get('b'), s.lines.get('b'));
  assert.equal(next.processes, s.processes);
  assert.equal(next.processList, s.processList);
  assert.equal(next.alarms, s.alarms);
  // No point newer than the trend's last: the trend (and what readers were given) stays.
  const repeat = reduceLive(s, batch('a', [sample('a.t', 100, 1)]));
  assert.equal(repeat.trends, s.trends);
});

test('sampleOf finds a sample by tag, also for a tag without a line prefix', () => {
  const s = reduceLive(emptyLiveState, { type: 'snapshot', snapshot: snapshot({ values: [sample('a.t', 1, 1), sample('bare', 2, 2)] }) });
  assert.equal(sampleOf(s, 'a.t')?.value, 1);
  assert.equal(sampleOf(s, 'bare')?.value, 2);
  assert.equal(sampleOf(s, 'a.none'), undefined);
  assert.equal(sampleOf(s, 'none.t'), undefined);
});

test('snapshotOf gives back what a snapshot put in', () => {
  const snap = snapshot({
    id: '0-0',
    lines: [line('a')],
    values: [sample('a.t', 1, 1), sample('b.t', 2, 2)],
    processes: [proc('p')],
    alarms: [alarm('a.t.hi', 'ack-active')],
  });
  assert.deepEqual(snapshotOf(reduceLive(emptyLiveState, { type: 'snapshot', snapshot: snap })), snap);
});

test('parseStreamEvent: one message per stream event the store keeps; null for the others', () => {
  const wire = encodeSampleEvent({ line: 'a', readAt: 10.5, samples: [sample('a.t', 10, 1), sample('a.u', 9, null, 'bad')] });
  const a = alarm('a.t.hi', 'unack-active');
  const cases: [string, unknown, LiveMessage | null][] = [
    ['snapshot', snapshot(), { type: 'snapshot', snapshot: snapshot() }],
    ['sample', wire, { type: 'sample', batch: { line: 'a', readAt: 10.5, samples: [sample('a.t', 10, 1), sample('a.u', 9, null, 'bad')] } }],
    ['line', line('a'), { type: 'line', status: line('a') }],
    ['process', proc('p'), { type: 'process', info: proc('p') }],
    ['alarm', { line: 'a', alarm: a }, { type: 'alarm', alarm: a }],
    ['heartbeat', { ts: 42 }, { type: 'heartbeat', ts: 42 }],
    ['job', { id: 'j' }, null],
    ['something-new', {}, null],
  ];
  for (const [event, data, expected] of cases) assert.deepEqual(parseStreamEvent(event, data), expected, event);
});
