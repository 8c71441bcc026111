import assert from 'node:assert/strict';
import { test } from 'node:test';
import { qualityReasonText } from '../../lib/client/quality-words.ts';

test('connection reasons read as plain words', () => {
  const cases: [string, string][] = [
    ['refused', 'PLC refused the connection'],
    ['timeout', 'no answer from the PLC'],
    ['reset', 'connection dropped'],
    ['no endpoint', 'PLC not started'],
    ['bad reply', 'garbled answer'],
    ['bad reply: protocol id 7', 'garbled answer (protocol id 7)'],
    ['exception 02 (illegal data address)', 'exception 02 (illegal data address)'],
    ['', ''],
  ];
  for (const [reason, text] of cases) assert.equal(qualityReasonText(reason), text, reason);
});
