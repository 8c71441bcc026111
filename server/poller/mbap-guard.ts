/**
 * Checks the Modbus TCP replies on a socket as they arrive (MBAP header: transaction id,
 * protocol id 0, length, unit id; then the PDU), so a malformed frame ends the session at once
 * with its reason instead of leaving the request to time out (modbus-serial drops what it cannot
 * parse and waits). Pure state over the byte stream: feed it every chunk.
 */
export interface MbapGuard {
  /** The first problem in the stream so far (`bad reply: protocol id 7`), or undefined. */
  push(chunk: Uint8Array): string | undefined;
}

const HEADER = 7;

/** PDU length a reply must have, known from its first bytes; undefined until enough came. */
function expectedPduLength(pdu: Uint8Array): number | undefined {
  const fc = pdu[0];
  if (fc === undefined) return undefined;
  if (fc & 0x80) return 2;
  switch (fc) {
    case 0x01:
    case 0x02:
    case 0x03:
    case 0x04:
      return pdu[1] === undefined ? undefined : 2 + pdu[1];
    case 0x05:
    case 0x06:
    case 0x0f:
    case 0x10:
      return 5;
    case 0x16:
      return 7;
    default:
      return -1;
  }
}

export function createMbapGuard(unitId: number): MbapGuard {
  let buffered = new Uint8Array(0);
  let problem: string | undefined;

  function check(): string | undefined {
    while (buffered.length >= HEADER) {
      const view = new DataView(buffered.buffer, buffered.byteOffset, buffered.byteLength);
      const protocol = view.getUint16(2);
      if (protocol !== 0) return `bad reply: protocol id ${protocol}`;
      const length = view.getUint16(4);
      if (length < 3 || length > 254) return `bad reply: length ${length}`;
      const unit = buffered[6]!;
      // 0 and 255 are "this device" for gateways and many TCP devices.
      if (unit !== unitId && unit !== 0 && unit !== 255) return `bad reply: unit id ${unit}`;
      const pdu = buffered.subarray(HEADER, HEADER - 1 + length);
      const expected = expectedPduLength(buffered.subarray(HEADER));
      if (expected === -1) return `bad reply: function code ${pdu[0]}`;
      if (expected !== undefined && expected !== length - 1) return `bad reply: length ${length}, expected ${expected + 1}`;
      if (buffered.length < HEADER - 1 + length) return undefined;
      buffered = buffered.subarray(HEADER - 1 + length);
    }
    return undefined;
  }

  return {
    push(chunk) {
      if (problem) return problem;
      const next = new Uint8Array(buffered.length + chunk.length);
      next.set(buffered);
      next.set(chunk, buffered.length);
      buffered = next;
      problem = check();
      return problem;
    },
  };
}
