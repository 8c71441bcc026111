import assert from 'node:assert/strict';
import type { AlarmEventPayload } from '../../lib/alarms/alarm-types.ts';
import type { SseEvent } from './sse-client.ts';
import type { TestServer } from './test-server.ts';

/** The JSON body of an answer; an error status throws with the body. */
export const json = async <T = any>(res: Response | Promise<Response>): Promise<T> => {
  const r = await res;
  const body = await r.json();
  if (r.status >= 400) throw Object.assign(new Error(`${r.status} ${JSON.stringify(body)}`), { status: r.status, body });
  return body as T;
};

/** Restarts a line's simulated PLC in `scenario` (normal, jam, overheat…) through the API. */
export async function runScenario(target: TestServer, line: string, scenario: string): Promise<void> {
  const stop = await target.api(`/api/lines/${line}/simulation`, { method: 'DELETE' });
  assert.ok(stop.status === 200 || stop.status === 409, `stop ${line}: ${stop.status}`);
  const start = await target.api(`/api/lines/${line}/simulation`, { method: 'POST', body: JSON.stringify({ scenario }) });
  assert.equal(start.status, 202, `start ${line} in ${scenario}`);
}

/** Matches the stream's `alarm` event of one alarm's transition. */
export const alarmEvent = (id: string, transition: string) => (e: SseEvent) =>
  e.event === 'alarm' && (e.data as AlarmEventPayload).entry.alarm === id && (e.data as AlarmEventPayload).entry.transition === transition;
