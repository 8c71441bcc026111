/**
 * Plain words for the reasons a tag's quality is bad (the poller's short, stable reasons:
 * server/poller/modbus-session.ts `reasonOf`, mbap-guard.ts): what a supervisor reads next
 * to a value, instead of socket jargon. Unknown reasons are shown as they are.
 */
const words: Record<string, string> = {
  refused: 'PLC refused the connection',
  timeout: 'no answer from the PLC',
  reset: 'connection dropped',
  closed: 'connection closed',
  'no endpoint': 'PLC not started',
  unreachable: 'PLC unreachable on the network',
  'host not found': 'PLC address not found',
  'bad reply': 'garbled answer',
};

/** `refused` → `PLC refused the connection`; `bad reply: length 300` → `garbled answer (length 300)`. */
export function qualityReasonText(reason: string): string {
  const known = words[reason];
  if (known) return known;
  const garbled = /^bad reply: (.+)$/.exec(reason);
  if (garbled) return `${words['bad reply']} (${garbled[1]})`;
  return reason;
}
