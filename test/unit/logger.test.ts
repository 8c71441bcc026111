import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger, relayingLogger, relayLog, type LogRecord } from '../../server/log/logger.ts';

function sink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

test('json: one line per record, level names, fields escaped — a newline in a user name cannot forge a line', () => {
  const out = sink();
  const log = createLogger({ format: 'json', destination: out.stream }).child({ part: 'auth' });
  log.warn({ username: 'eve\n{"level":"info","msg":"admin logged in"}', ip: '10.0.0.9' }, 'login failed');
  log.debug('below the level: not written');
  const lines = out.text().trimEnd().split('\n');
  assert.equal(lines.length, 1, out.text());
  const record = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.equal(record.level, 'warn');
  assert.equal(record.part, 'auth');
  assert.equal(record.msg, 'login failed');
  assert.equal(record.username, 'eve\n{"level":"info","msg":"admin logged in"}');
  assert.match(String(record.time), /^\d{4}-\d\d-\d\dT/);
});

test('levels: LINEWATCH_LOG_LEVEL-style threshold', () => {
  const out = sink();
  const log = createLogger({ format: 'json', level: 'error', destination: out.stream });
  log.warn('no');
  log.error({ err: new Error('disk full') }, 'yes');
  const lines = out.text().trimEnd().split('\n');
  assert.equal(lines.length, 1);
  const record = JSON.parse(lines[0]!) as { err: { message: string; stack: string } };
  assert.equal(record.err.message, 'disk full', 'errors are serialised with message and stack');
  assert.match(record.err.stack, /disk full/);
});

test('a child process relays its records to the parent logger, which adds its own fields', () => {
  const records: LogRecord[] = [];
  const child = relayingLogger((r) => records.push(r), 'info').child({ part: 'poller' });
  child.info({ connection: 'press-plc' }, 'connection reads again');
  child.debug('not relayed: below the level');
  assert.equal(records.length, 1);
  const out = sink();
  relayLog(createLogger({ format: 'json', destination: out.stream }), records[0]!);
  const written = JSON.parse(out.text()) as Record<string, unknown>;
  assert.deepEqual([written.level, written.part, written.connection, written.msg], ['info', 'poller', 'press-plc', 'connection reads again']);
  assert.equal(typeof written.pid, 'number', "the parent's fields");
});
