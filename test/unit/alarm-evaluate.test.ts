import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AlarmStateName, AlarmTransition } from '../../lib/alarms/alarm-types.ts';
import type { Quality } from '../../lib/types.ts';
import type { AlarmDefinition } from '../../server/alarms/alarm-definitions.ts';
import {
  acknowledge,
  evaluate,
  initialAlarmState,
  nextDeadline,
  removeFromService,
  returnToService,
  shelve,
  stateName,
  unshelve,
  type AlarmEvent,
  type AlarmState,
  type Step,
} from '../../server/alarms/evaluate.ts';
import { AlarmStateError, ValidationError } from '../../lib/errors.ts';

function def(overrides: Partial<AlarmDefinition> = {}): AlarmDefinition {
  return {
    id: 'l.t.hi',
    kind: 'hi',
    line: 'l',
    tag: 'l.t',
    connection: 'c',
    label: 'Temp',
    message: 'Temp high',
    priority: 'high',
    limit: 100,
    deadband: 0,
    onDelayMs: 0,
    offDelayMs: 0,
    maxShelveMs: 3600_000,
    alarmOn: true,
    unit: '°C',
    decimals: 1,
    ...overrides,
  };
}

const good = (value: number) => ({ value, quality: 'good' as Quality });
const bad = (value: number | null = null) => ({ value, quality: 'bad' as Quality });
const op = { user: 'ann' };

/** Feeds values (one per `stepMs`, from `t0`) and returns the final state and every event. */
function run(state: AlarmState, values: (number | { value: number | null; quality: Quality } | null)[], t0 = 0, stepMs = 1000): Step {
  const events: AlarmEvent[] = [];
  let s = state;
  values.forEach((v, i) => {
    const input = v === null ? null : typeof v === 'number' ? good(v) : v;
    const r = evaluate(s, input, t0 + i * stepMs);
    s = r.state;
    events.push(...r.events);
  });
  return { state: s, events };
}

const transitions = (events: AlarmEvent[]) => events.map((e) => `${e.transition}→${e.state}`);

/** An alarm in each ISA-18.2 state, reached through legal transitions from normal. */
function inState(name: AlarmStateName, d = def()): AlarmState {
  const normal = initialAlarmState(d);
  const active = evaluate(normal, good(150), 0).state;
  switch (name) {
    case 'normal':
      return evaluate(normal, good(50), 0).state;
    case 'unack-active':
      return active;
    case 'ack-active':
      return acknowledge(active, op, 1).state;
    case 'rtn-unack':
      return evaluate(active, good(50), 2).state;
    case 'shelved':
      return shelve(active, { ...op, reason: 'sensor fault', durationMs: 60_000 }, 1).state;
    case 'out-of-service':
      return removeFromService(active, { ...op, reason: 'maintenance' }, 1).state;
  }
}

test('every legal transition of the ISA-18.2 state machine', () => {
  type Action = (s: AlarmState) => Step;
  const above: Action = (s) => evaluate(s, good(150), 10);
  const below: Action = (s) => evaluate(s, good(50), 10);
  const ack: Action = (s) => acknowledge(s, { ...op, comment: 'seen' }, 10);
  const shelf: Action = (s) => shelve(s, { ...op, reason: 'known', durationMs: 60_000 }, 10);
  const unshelf: Action = (s) => unshelve(s, op, 10);
  const oos: Action = (s) => removeFromService(s, { ...op, reason: 'transmitter replaced' }, 10);
  const rts: Action = (s) => returnToService(s, op, 10);
  const rows: [AlarmStateName, string, Action, AlarmStateName, AlarmTransition | null][] = [
    ['normal', 'value crosses the limit', above, 'unack-active', 'raised'],
    ['normal', 'value stays normal', below, 'normal', null],
    ['unack-active', 'acknowledge', ack, 'ack-active', 'acknowledged'],
    ['unack-active', 'value returns', below, 'rtn-unack', 'cleared'],
    ['unack-active', 'value stays in alarm', above, 'unack-active', null],
    ['ack-active', 'value returns', below, 'normal', 'cleared'],
    ['ack-active', 'value stays in alarm', above, 'ack-active', null],
    ['rtn-unack', 'acknowledge', ack, 'normal', 'acknowledged'],
    ['rtn-unack', 'value crosses again', above, 'unack-active', 'raised'],
    ['normal', 'shelve', shelf, 'shelved', 'shelved'],
    ['unack-active', 'shelve', shelf, 'shelved', 'shelved'],
    ['ack-active', 'shelve', shelf, 'shelved', 'shelved'],
    ['rtn-unack', 'shelve', shelf, 'shelved', 'shelved'],
    ['shelved', 'unshelve while active: annunciated again', unshelf, 'unack-active', 'unshelved'],
    ['shelved', 'value returns (journaled, suppressed)', below, 'shelved', 'cleared'],
    ['shelved', 'out of service', oos, 'out-of-service', 'out-of-service'],
    ['normal', 'out of service', oos, 'out-of-service', 'out-of-service'],
    ['unack-active', 'out of service', oos, 'out-of-service', 'out-of-service'],
    ['ack-active', 'out of service', oos, 'out-of-service', 'out-of-service'],
    ['rtn-unack', 'out of service', oos, 'out-of-service', 'out-of-service'],
    ['out-of-service', 'return to service while active', rts, 'unack-active', 'returned-to-service'],
    ['out-of-service', 'value returns (journaled, suppressed)', below, 'out-of-service', 'cleared'],
    ['rtn-unack', 'value stays normal', below, 'rtn-unack', null],
    ['shelved', 'value stays in alarm', above, 'shelved', null],
    ['out-of-service', 'value stays in alarm', above, 'out-of-service', null],
  ];
  for (const [from, what, action, to, transition] of rows) {
    const step = action(inState(from));
    const where = `${from} + ${what}`;
    assert.equal(stateName(step.state), to, where);
    if (transition === null) assert.deepEqual(step.events, [], where);
    else {
      assert.equal(step.events.length, 1, where);
      assert.equal(step.events[0]!.transition, transition, where);
      assert.equal(step.events[0]!.state, to, where);
      assert.equal(step.events[0]!.ts, 10, where);
    }
  }
});

test('every state × operator action is either a legal transition or refused with 409', () => {
  const states: AlarmStateName[] = ['normal', 'unack-active', 'ack-active', 'rtn-unack', 'shelved', 'out-of-service'];
  const actions: Record<string, [(s: AlarmState) => Step, AlarmStateName[]]> = {
    acknowledge: [(s) => acknowledge(s, op, 10), ['unack-active', 'rtn-unack']],
    shelve: [(s) => shelve(s, { ...op, reason: 'known', durationMs: 60_000 }, 10), ['normal', 'unack-active', 'ack-active', 'rtn-unack']],
    unshelve: [(s) => unshelve(s, op, 10), ['shelved']],
    'out of service': [(s) => removeFromService(s, { ...op, reason: 'maintenance' }, 10), ['normal', 'unack-active', 'ack-active', 'rtn-unack', 'shelved']],
    'return to service': [(s) => returnToService(s, op, 10), ['out-of-service']],
  };
  for (const from of states) {
    for (const [name, [action, legalFrom]] of Object.entries(actions)) {
      const where = `${from} + ${name}`;
      if (legalFrom.includes(from)) assert.equal(action(inState(from)).events.length, 1, where);
      else
        assert.throws(
          () => action(inState(from)),
          (e: Error) => e instanceof AlarmStateError && e.status === 409,
          where,
        );
    }
  }
});

test('suppressed states end in normal when the condition is gone', () => {
  const shelvedNormal = evaluate(inState('shelved'), good(50), 5).state;
  assert.equal(stateName(unshelve(shelvedNormal, op, 6).state), 'normal');
  const oosNormal = evaluate(inState('out-of-service'), good(50), 5).state;
  assert.equal(stateName(returnToService(oosNormal, op, 6).state), 'normal');
  const raisedWhileShelved = evaluate(shelve(inState('normal'), { ...op, reason: 'r', durationMs: 1000 }, 0).state, good(150), 5);
  assert.deepEqual(transitions(raisedWhileShelved.events), ['raised→shelved']);
  assert.equal(raisedWhileShelved.events[0]!.suppressed, true, 'journaled as suppressed');
  assert.equal(raisedWhileShelved.state.acked, true, 'no acknowledgement needed while shelved');
});

test('illegal transitions are refused with a clear error', () => {
  const refuse = (s: AlarmState, action: (s: AlarmState) => Step, message: RegExp) =>
    assert.throws(
      () => action(s),
      (e: Error) => e instanceof AlarmStateError && e.status === 409 && message.test(e.message),
      message.source,
    );
  const ack = (s: AlarmState) => acknowledge(s, op, 1);
  refuse(inState('normal'), ack, /is normal: there is nothing to acknowledge/);
  refuse(inState('ack-active'), ack, /already acknowledged/);
  refuse(inState('shelved'), ack, /is shelved/);
  refuse(inState('out-of-service'), ack, /out of service/);
  refuse(inState('normal'), (s) => unshelve(s, op, 1), /is not shelved/);
  refuse(inState('shelved'), (s) => shelve(s, { ...op, reason: 'again', durationMs: 1000 }, 1), /already shelved until/);
  refuse(inState('out-of-service'), (s) => shelve(s, { ...op, reason: 'x', durationMs: 1000 }, 1), /out of service: return it to service/);
  refuse(inState('out-of-service'), (s) => removeFromService(s, { ...op, reason: 'x' }, 1), /already out of service/);
  refuse(inState('ack-active'), (s) => returnToService(s, op, 1), /is in service/);
  assert.throws(
    () => shelve(inState('normal'), { ...op, reason: 'too long', durationMs: 3600_001 }, 1),
    (e: Error) => e instanceof ValidationError && e.field === 'durationMin' && /at most 60 min/.test(e.message),
  );
  assert.throws(
    () => shelve(inState('normal'), { ...op, reason: ' ', durationMs: 1000 }, 1),
    (e: ValidationError) => e.field === 'reason',
  );
  assert.throws(
    () => shelve(inState('normal'), { ...op, reason: 'x', durationMs: 0 }, 1),
    (e: ValidationError) => e.field === 'durationMin',
  );
  assert.throws(
    () => removeFromService(inState('normal'), { ...op, reason: '' }, 1),
    (e: ValidationError) => e.field === 'reason',
  );
});

test('HI raises at the limit and clears only past the deadband; LO mirrors it', () => {
  const hi = initialAlarmState(def({ limit: 100, deadband: 5 }));
  assert.deepEqual(transitions(run(hi, [99.9]).events), []);
  assert.deepEqual(transitions(run(hi, [100]).events), ['raised→unack-active'], 'at the limit is in alarm');
  assert.deepEqual(transitions(run(hi, [101, 97, 95]).events), ['raised→unack-active'], 'inside the deadband stays active');
  assert.deepEqual(transitions(run(hi, [101, 95, 94.9]).events), ['raised→unack-active', 'cleared→rtn-unack']);
  assert.deepEqual(transitions(run(hi, [101, 94, 99, 100]).events), ['raised→unack-active', 'cleared→rtn-unack', 'raised→unack-active']);

  const lo = initialAlarmState(def({ id: 'l.t.lo', kind: 'lo', limit: 10, deadband: 2 }));
  assert.deepEqual(transitions(run(lo, [10.1]).events), []);
  assert.deepEqual(transitions(run(lo, [10, 11, 12, 12.1]).events), ['raised→unack-active', 'cleared→rtn-unack']);

  const lolo = initialAlarmState(def({ id: 'l.t.lolo', kind: 'lolo', limit: 5 }));
  const hihi = initialAlarmState(def({ id: 'l.t.hihi', kind: 'hihi', limit: 120 }));
  assert.deepEqual(transitions(run(lolo, [6, 5, 5.1]).events), ['raised→unack-active', 'cleared→rtn-unack'], 'no deadband: clears just past');
  assert.deepEqual(transitions(run(hihi, [119, 120, 119.99]).events), ['raised→unack-active', 'cleared→rtn-unack']);
});

test('the journal entry carries value, limit, priority and context', () => {
  const [e] = run(initialAlarmState(def()), [123.4]).events;
  assert.deepEqual(e, {
    ts: 0,
    alarm: 'l.t.hi',
    line: 'l',
    tag: 'l.t',
    kind: 'hi',
    label: 'Temp',
    message: 'Temp high',
    priority: 'high',
    transition: 'raised',
    state: 'unack-active',
    value: 123.4,
    limit: 100,
    user: null,
    comment: null,
    suppressed: false,
  });
  const acked = acknowledge(run(initialAlarmState(def()), [123.4]).state, { user: 'bob', comment: 'on it' }, 5);
  assert.equal(acked.events[0]!.user, 'bob');
  assert.equal(acked.events[0]!.comment, 'on it');
  assert.deepEqual(acked.state.ack, { by: 'bob', at: 5, comment: 'on it' });
});

test('on-delay: the condition must hold for the delay; a dip restarts it; a tick completes it', () => {
  const s0 = initialAlarmState(def({ onDelayMs: 3000 }));
  assert.deepEqual(run(s0, [150, 150, 150]).events, [], '2 s of 3');
  assert.deepEqual(transitions(run(s0, [150, 150, 150, 150]).events), ['raised→unack-active'], 'raised at 3 s');
  assert.equal(run(s0, [150, 150, 150, 150]).events[0]!.ts, 3000);
  assert.deepEqual(run(s0, [150, 150, 99, 150, 150, 150]).events, [], 'the dip restarted the delay');
  // No new sample: a tick at the deadline raises it on the held value.
  const pending = run(s0, [150]).state;
  assert.deepEqual(pending.pending, { to: 'active', since: 0 });
  assert.equal(nextDeadline(pending), 3000);
  assert.deepEqual(evaluate(pending, null, 2999).events, []);
  assert.deepEqual(transitions(evaluate(pending, null, 3000).events), ['raised→unack-active']);
});

test('off-delay: the alarm clears only after the value stayed normal for the delay', () => {
  const s0 = initialAlarmState(def({ offDelayMs: 2000 }));
  assert.deepEqual(transitions(run(s0, [150, 50, 50]).events), ['raised→unack-active'], '1 s of 2');
  assert.deepEqual(transitions(run(s0, [150, 50, 50, 50]).events), ['raised→unack-active', 'cleared→rtn-unack']);
  assert.deepEqual(transitions(run(s0, [150, 50, 150, 50, 50]).events), ['raised→unack-active'], 'a return restarted it');
  const pending = run(s0, [150, 50]).state;
  assert.equal(nextDeadline(pending), 3000);
  assert.deepEqual(transitions(evaluate(pending, null, 3000).events), ['cleared→rtn-unack'], 'completed by a tick');
});

test('bad or stale quality freezes the condition and restarts a pending delay', () => {
  const s0 = initialAlarmState(def({ onDelayMs: 2000 }));
  assert.deepEqual(run(s0, [150, bad(150), 150, 150]).events, [], 'bad in the middle restarts the delay');
  assert.deepEqual(transitions(run(s0, [150, bad(150), 150, 150, 150]).events), ['raised→unack-active']);
  const active = run(initialAlarmState(def()), [150]).state;
  const frozen = run(active, [bad(20), { value: 20, quality: 'stale' }, bad(null)]);
  assert.deepEqual(frozen.events, [], 'a bad low value does not clear');
  assert.equal(frozen.state.active, true);
  assert.equal(frozen.state.quality, 'bad');
  assert.deepEqual(transitions(evaluate(frozen.state, good(20), 9).events), ['cleared→rtn-unack'], 'good again: evaluated');
  assert.deepEqual(run(initialAlarmState(def()), [bad(500), { value: Number.NaN, quality: 'good' }]).events, [], 'never raised on bad data');
});

test('bool alarms: on true, on false, with delays', () => {
  const fault = initialAlarmState(def({ id: 'l.f.discrete', kind: 'discrete', limit: null, alarmOn: true, onDelayMs: 0 }));
  assert.deepEqual(transitions(run(fault, [0, 1, 1, 0]).events), ['raised→unack-active', 'cleared→rtn-unack']);
  const notRunning = initialAlarmState(def({ id: 'l.r.discrete', kind: 'discrete', limit: null, alarmOn: false }));
  assert.deepEqual(transitions(run(notRunning, [1, 0, 1]).events), ['raised→unack-active', 'cleared→rtn-unack']);
  const delayed = initialAlarmState(def({ id: 'l.d.discrete', kind: 'discrete', limit: null, alarmOn: true, onDelayMs: 1500, offDelayMs: 1500 }));
  assert.deepEqual(transitions(run(delayed, [1, 0, 1, 1, 1, 0, 1, 0, 0, 0]).events), ['raised→unack-active', 'cleared→rtn-unack']);
});

test('comm loss: raised after its delay of "no good tag", cleared by the first good read', () => {
  const comm = initialAlarmState(def({ id: 'l.c.comm', kind: 'comm', tag: null, limit: null, alarmOn: true, onDelayMs: 10_000, priority: 'high' }));
  const lost = { value: 1, quality: 'good' as Quality };
  const ok = { value: 0, quality: 'good' as Quality };
  // A reconnect shorter than the delay is no alarm.
  assert.deepEqual(run(comm, [lost, lost, lost, ok], 0, 3000).events, []);
  const r = run(comm, [lost, lost, lost, lost, lost, ok], 0, 3000);
  assert.deepEqual(transitions(r.events), ['raised→unack-active', 'cleared→rtn-unack']);
  assert.equal(r.events[0]!.ts, 12_000, 'first evaluation at or after the 10 s delay');
  assert.equal(r.events[0]!.kind, 'comm');
  assert.equal(r.events[0]!.tag, null);
});

test('chattering input: 1 Hz across the limit for 10 min gives at most one annunciation with a deadband or delay', () => {
  // 0.5 above, 0.5 below the limit, a sample every 500 ms: a full period per second.
  const values = Array.from({ length: 1200 }, (_, i) => (i % 2 === 0 ? 100.5 : 99.5));
  const raised = (d: Partial<AlarmDefinition>) => run(initialAlarmState(def(d)), values, 0, 500).events.filter((e) => e.transition === 'raised').length;
  assert.equal(raised({}), 600, 'without any: it chatters 600 times');
  assert.equal(raised({ deadband: 1 }), 1, 'deadband 1: raised once, never clears');
  assert.equal(raised({ onDelayMs: 2000 }), 0, 'on-delay 2 s: never holds long enough');
  assert.equal(raised({ offDelayMs: 2000 }), 1, 'off-delay 2 s: stays active');
  assert.equal(raised({ deadband: 0.4, onDelayMs: 1000, offDelayMs: 1000 }), 0);
});

test('shelving is timed: a tick at the end unshelves it, annunciating an active alarm again', () => {
  const active = inState('unack-active', def({ maxShelveMs: 8 * 3600_000 }));
  const shelved = shelve(active, { user: 'ann', reason: 'known sensor fault', durationMs: 15 * 60_000 }, 1000);
  assert.deepEqual(shelved.state.shelved, { by: 'ann', at: 1000, until: 1000 + 15 * 60_000, reason: 'known sensor fault' });
  assert.equal(shelved.events[0]!.comment, 'known sensor fault');
  assert.equal(nextDeadline(shelved.state), 1000 + 15 * 60_000);
  assert.deepEqual(evaluate(shelved.state, null, 1000 + 15 * 60_000 - 1).events, []);
  const expired = evaluate(shelved.state, null, 1000 + 15 * 60_000);
  assert.deepEqual(transitions(expired.events), ['unshelved→unack-active']);
  assert.equal(expired.events[0]!.user, null, 'by the engine');
  assert.equal(expired.events[0]!.comment, 'shelving expired');
  assert.equal(expired.state.shelved, null);
  // Expiry and a condition change in the same evaluation are journaled in order.
  const both = evaluate(shelved.state, good(10), 1000 + 15 * 60_000);
  assert.deepEqual(transitions(both.events), ['unshelved→unack-active', 'cleared→rtn-unack']);
});

test('out of service: evaluated and journaled as suppressed, never needs an acknowledgement', () => {
  const oos = removeFromService(inState('normal'), { user: 'eng', reason: 'transmitter replaced' }, 0).state;
  const r = run(oos, [150, 50, 150]);
  assert.deepEqual(transitions(r.events), ['raised→out-of-service', 'cleared→out-of-service', 'raised→out-of-service']);
  assert.ok(r.events.every((e) => e.suppressed));
  assert.equal(r.state.acked, true);
  assert.equal(stateName(returnToService(r.state, { user: 'eng' }, 5000).state), 'unack-active');
  const shelvedThenOos = removeFromService(inState('shelved'), { user: 'eng', reason: 'x' }, 5);
  assert.equal(shelvedThenOos.state.shelved, null, 'out of service ends the shelving');
  assert.equal(nextDeadline(shelvedThenOos.state), null);
});

test('evaluate is pure: the input state is never changed', () => {
  const s0 = initialAlarmState(def({ onDelayMs: 1000 }));
  const copy = structuredClone(s0);
  const s1 = evaluate(s0, good(150), 0).state;
  evaluate(s1, good(150), 1000);
  acknowledge(evaluate(s1, good(150), 1000).state, op, 1001);
  assert.deepEqual(s0, copy);
  assert.deepEqual(s1.pending, { to: 'active', since: 0 });
  assert.equal(evaluate(s1, good(150), 500).state.pending, s1.pending, 'pending kept by identity');
});
