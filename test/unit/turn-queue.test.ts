import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MessageChannel } from 'node:worker_threads';
import { createTurnQueue } from '../../server/http/turn-queue.ts';

test('queued work runs in order, one per turn: I/O that becomes ready meanwhile is served in between', async () => {
  const queue = createTurnQueue();
  const { port1, port2 } = new MessageChannel();
  const order: string[] = [];
  port1.on('message', (m: string) => order.push(m));
  const done = new Promise<void>((resolve) => {
    queue(() => {
      order.push('a');
      // Ready during the first run, as a poller's message would be.
      port2.postMessage('io');
    });
    queue(() => order.push('b'));
    queue(() => {
      order.push('c');
      resolve();
    });
  });
  await done;
  port1.close();
  assert.deepEqual(order, ['a', 'io', 'b', 'c']);
});

test('a function queued from a running one goes last; an emptied queue starts again', async () => {
  const queue = createTurnQueue();
  const order: string[] = [];
  await new Promise<void>((resolve) => {
    queue(() => {
      order.push('a');
      queue(() => {
        order.push('c');
        resolve();
      });
    });
    queue(() => order.push('b'));
  });
  await new Promise<void>((resolve) => queue(() => (order.push('d'), resolve())));
  assert.deepEqual(order, ['a', 'b', 'c', 'd']);
});
