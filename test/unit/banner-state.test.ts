import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AlarmView } from '../../lib/alarms/alarm-types.ts';
import type { AlarmSummary } from '../../lib/client/alarm-store.ts';
import { bannerState } from '../../lib/client/banner-state.ts';

function summary(over: Partial<AlarmSummary> = {}): AlarmSummary {
  return { unacked: { critical: 0, high: 0, medium: 0, low: 0 }, unackedTotal: 0, active: 0, suppressed: 0, shelved: 0, known: true, newest: null, ...over };
}
const critical = { priority: 'critical' } as AlarmView;

test('unacknowledged: the total and the highest priority', () => {
  const b = bannerState(summary({ unacked: { critical: 0, high: 2, medium: 1, low: 0 }, unackedTotal: 3, active: 3 }), 'live');
  assert.deepEqual(b, { kind: 'unacked', text: '3 unacknowledged', priority: 'high', detail: '' });
});

test('active and acknowledged is never "no alarms"', () => {
  const b = bannerState(summary({ active: 1, newest: critical }), 'live');
  assert.deepEqual(b, { kind: 'acked', text: '1 active, acknowledged', priority: 'critical', detail: '' });
});

test('shelved and out of service, with nothing active', () => {
  assert.deepEqual(bannerState(summary({ suppressed: 3, shelved: 2 }), 'live'), {
    kind: 'suppressed',
    text: '2 shelved, 1 out of service',
    priority: null,
    detail: 'none active',
  });
  assert.equal(bannerState(summary({ active: 1, suppressed: 1, shelved: 1, newest: critical }), 'live').detail, '1 shelved');
});

test('offline: unknown, with the last known counts', () => {
  assert.deepEqual(bannerState(summary({ active: 1, newest: critical }), 'offline'), {
    kind: 'unknown',
    text: 'Alarms unknown (offline)',
    priority: null,
    detail: 'last known: 1 active, acknowledged',
  });
  assert.equal(bannerState(summary({ known: false }), 'offline').detail, '');
});

test('before the first list: checking, not "no alarms"; then clear', () => {
  assert.equal(bannerState(summary({ known: false }), 'connecting').kind, 'checking');
  assert.equal(bannerState(summary({ known: false }), 'reconnecting').kind, 'checking');
  assert.deepEqual(bannerState(summary(), 'live'), { kind: 'clear', text: 'No active alarms', priority: null, detail: '' });
});

test('interrupted (the server gets no live data): unknown too, with the last known counts', () => {
  assert.deepEqual(bannerState(summary({ unacked: { critical: 1, high: 0, medium: 0, low: 0 }, unackedTotal: 1, active: 1 }), 'interrupted'), {
    kind: 'unknown',
    text: 'Alarms unknown (no live data)',
    priority: null,
    detail: 'last known: 1 unacknowledged',
  });
});
