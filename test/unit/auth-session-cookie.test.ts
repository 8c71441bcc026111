import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { readSessionToken } from '../../server/auth/request-guard.ts';

const req = (cookie?: string) => ({ headers: cookie === undefined ? {} : { cookie } }) as IncomingMessage;

test('readSessionToken: over HTTPS only the __Host- cookie counts; over HTTP the plain one', () => {
  const table: [cookie: string | undefined, https: boolean | undefined, want: string | undefined][] = [
    [undefined, true, undefined],
    ['lw_session=plain', false, 'plain'],
    ['lw_session=plain', true, undefined],
    ['__Host-lw_session=secure', true, 'secure'],
    ['__Host-lw_session=secure', false, undefined],
    ['lw_session=planted; __Host-lw_session=secure', true, 'secure'],
    ['__Host-lw_session=secure; lw_session=planted', true, 'secure'],
    ['lw_session=planted; __Host-lw_session=secure', false, 'planted'],
    ['other=1; lw_session=a=b', false, 'a=b'],
    ['lw_session=first; lw_session=second', false, 'first'],
    ['xlw_session=no; lw_sessions=no', false, undefined],
    // A caller that cannot tell the scheme: the __Host- cookie wherever it stands.
    ['lw_session=planted; __Host-lw_session=secure', undefined, 'secure'],
    ['lw_session=plain', undefined, 'plain'],
  ];
  for (const [cookie, https, want] of table) assert.equal(readSessionToken(req(cookie), https), want, `${cookie} https=${https}`);
});
