import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLiveConnection, type LiveConnection } from '../../lib/client/live-connection.ts';

/** Stands in for the browser's EventSource (absent from Node 20 without a flag): a real EventTarget. */
class FakeSource extends EventTarget {
  readyState = 0;
  constructor(readonly url: string) {
    super();
  }
  open(): void {
    this.readyState = 1;
    this.dispatchEvent(new Event('open'));
  }
  send(event: string, data: string, lastEventId = ''): void {
    this.dispatchEvent(new MessageEvent(event, { data, lastEventId }));
  }
  /** The server answered with an error status: the browser gives up on this source. */
  refuse(): void {
    this.readyState = 2;
    this.dispatchEvent(new Event('error'));
  }
  close(): void {
    this.readyState = 2;
  }
}

function setup(): { connection: LiveConnection; sources: FakeSource[]; messages: [string, unknown, string | null][]; statusCalls: () => number } {
  const sources: FakeSource[] = [];
  const messages: [string, unknown, string | null][] = [];
  let statusCalls = 0;
  const connection = createLiveConnection({
    url: '/s',
    open: (url) => {
      const s = new FakeSource(url);
      sources.push(s);
      return s;
    },
    onMessage: (event, data, id) => messages.push([event, data, id]),
    onStatus: () => statusCalls++,
  });
  return { connection, sources, messages, statusCalls: () => statusCalls };
}

test('messages are parsed and handed on in order; the state goes live on open', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'] });
  const { connection, sources, messages, statusCalls } = setup();
  connection.start();
  connection.start();
  assert.deepEqual(
    sources.map((s) => s.url),
    ['/s'],
  );
  assert.equal(connection.status().state, 'connecting');
  sources[0]!.open();
  assert.equal(connection.status().state, 'live');
  assert.equal(statusCalls(), 1);
  sources[0]!.send('sample', '{"line":"a"}', '7');
  sources[0]!.send('heartbeat', 'not json');
  sources[0]!.send('job', '{"id":"j"}');
  assert.deepEqual(messages, [
    ['sample', { line: 'a' }, '7'],
    ['job', { id: 'j' }, null],
  ]);
  assert.notEqual(connection.status().lastEventAt, null);
  connection.stop();
});

test('a silent stream is replaced by one that resumes after the last event id; the old one is closed and ignored', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'] });
  const { connection, sources, messages } = setup();
  connection.start();
  sources[0]!.open();
  sources[0]!.send('sample', '1', '41');
  sources[0]!.send('sample', '2', '42');
  t.mock.timers.tick(38_000);
  assert.equal(sources.length, 1, 'not yet silent for 40 s');
  t.mock.timers.tick(4000);
  assert.deepEqual(
    sources.map((s) => s.url),
    ['/s', '/s?lastEventId=42'],
  );
  assert.equal(sources[0]!.readyState, 2);
  assert.equal(connection.status().state, 'reconnecting');
  sources[0]!.send('sample', '3', '43');
  assert.equal(messages.length, 2, 'the replaced stream is not listened to');
  connection.stop();
});

test('a refused stream is retried with backoff; reconnecting turns offline after 10 s', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'] });
  const { connection, sources } = setup();
  connection.start();
  sources[0]!.open();
  sources[0]!.send('heartbeat', '{"ts":0}', '5');
  sources[0]!.refuse();
  assert.equal(connection.status().state, 'reconnecting');
  // First retry within 0.5–1 s.
  t.mock.timers.tick(1000);
  assert.equal(sources.length, 2);
  assert.equal(sources[1]!.url, '/s?lastEventId=5');
  sources[1]!.refuse();
  t.mock.timers.tick(2000);
  assert.equal(sources.length, 3);
  sources[2]!.refuse();
  t.mock.timers.tick(6000);
  assert.equal(connection.status().state, 'reconnecting');
  // The watchdog looks every 2 s: reconnecting since 0, offline at the first look after 10 s.
  t.mock.timers.tick(3000);
  assert.equal(connection.status().state, 'offline');
  connection.stop();
});

test('stop closes the stream and leaves no timer running; start resumes after the last event id', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'] });
  const { connection, sources, statusCalls } = setup();
  connection.start();
  sources[0]!.open();
  sources[0]!.send('heartbeat', '{"ts":0}', '9');
  sources[0]!.refuse();
  const calls = statusCalls();
  connection.stop();
  connection.stop();
  assert.equal(sources[0]!.readyState, 2);
  // Neither the retry nor the watchdog fires any more.
  t.mock.timers.tick(10 * 60_000);
  assert.equal(sources.length, 1);
  assert.equal(statusCalls(), calls);
  assert.equal(connection.status().state, 'connecting');

  connection.start();
  assert.deepEqual(
    sources.map((s) => s.url),
    ['/s', '/s?lastEventId=9'],
  );
  sources[1]!.open();
  assert.equal(connection.status().state, 'live');
  connection.stop();
});

test('stop clears the real timers too: nothing keeps the process alive', () => {
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const { connection, sources } = setup();
  connection.start();
  sources[0]!.refuse();
  // The watchdog and the retry.
  assert.equal(timers(), 2);
  connection.stop();
  assert.equal(timers(), 0);
});

test('a heartbeat saying the server\'s live bus is down makes the stream "interrupted" (since when), until one says otherwise', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'] });
  const { connection, sources, statusCalls } = setup();
  connection.start();
  sources[0]!.open();
  const calls = statusCalls();
  sources[0]!.send('heartbeat', JSON.stringify({ ts: 5000, lastId: '1-0', bus: 'down', since: 4200 }));
  assert.equal(connection.status().state, 'interrupted');
  assert.equal(connection.status().interruptedSince, 4200);
  assert.equal(statusCalls(), calls + 1);
  sources[0]!.send('heartbeat', JSON.stringify({ ts: 20_000, lastId: '1-0', bus: 'down', since: 4200 }));
  assert.equal(statusCalls(), calls + 1, 'the same outage: no new status');
  // Still an open stream: the watchdog's silence check goes on (heartbeats keep it quiet).
  t.mock.timers.tick(30_000);
  assert.equal(sources.length, 1);
  sources[0]!.send('heartbeat', JSON.stringify({ ts: 40_000, lastId: '1-0' }));
  assert.equal(connection.status().state, 'live');
  assert.equal(connection.status().interruptedSince, undefined);
  connection.stop();
});
