import {describe, expect, it} from 'vitest';
import {CommandChainingProcessor} from '../../../source/apdu/processors/command-chaining.js';
import {FormattingProcessor} from '../../../source/apdu/processors/formatting.js';
import {TranscriptTransport, toHex} from '../transcript-transport.js';

function chaining(transcript: string, isExtended = false) {
  const transport = new TranscriptTransport(transcript);
  const wire = new FormattingProcessor((apdu) => transport.transmit(apdu), isExtended);
  return {transport, processor: new CommandChainingProcessor(wire, isExtended ? 65535 : 255)};
}

/** Data counting up, so a piece in the wrong place shows. */
function data(length: number): Uint8Array {
  return Uint8Array.from({length}, (_, index) => (index * 7) & 0xff);
}

/** The transcript of short pieces of `pieces` lengths: CLA 10 and 9000 for all but the last. */
function chainTranscript(bytes: Uint8Array, pieces: number[]): string {
  let offset = 0;
  return pieces
    .map((length, index) => {
      const isLast = index === pieces.length - 1;
      const piece = bytes.subarray(offset, (offset += length));
      const lc = length.toString(16).toUpperCase().padStart(2, '0');
      return `> ${isLast ? '00' : '10'} DB 3F FF ${lc} ${toHex(piece)}${isLast ? ' 00' : ''}\n< 90 00`;
    })
    .join('\n');
}

describe('CommandChainingProcessor', () => {
  it.each([
    [1, [1]],
    [255, [255]],
    [256, [255, 1]],
    [510, [255, 255]],
    [511, [255, 255, 1]],
    [512, [255, 255, 2]],
  ])('sends %i data bytes in pieces of %j, Le on the last only', async (length, pieces) => {
    const bytes = data(length);
    const {transport, processor} = chaining(chainTranscript(bytes, pieces));
    const response = await processor.transmit({cla: 0, ins: 0xdb, p1: 0x3f, p2: 0xff, data: bytes, le: 256});
    expect(response.sw).toBe(0x9000);
    transport.assertDone();
  });

  it('stops at the first piece not answered with 9000 and returns that answer', async () => {
    const bytes = data(600);
    const {transport, processor} = chaining(`> 10 DB 3F FF FF ${toHex(bytes.subarray(0, 255))}\n< 6A 80`);
    const response = await processor.transmit({cla: 0, ins: 0xdb, p1: 0x3f, p2: 0xff, data: bytes});
    expect(response.sw).toBe(0x6a80);
    transport.assertDone();
  });

  it('keeps the other CLA bits in every piece', async () => {
    const bytes = data(256);
    const {transport, processor} = chaining(
      [
        `> 90 DB 3F FF FF ${toHex(bytes.subarray(0, 255))}`,
        '< 90 00',
        `> 80 DB 3F FF 01 ${toHex(bytes.subarray(255))}`,
        '< 90 00',
      ].join('\n'),
    );
    await processor.transmit({cla: 0x80, ins: 0xdb, p1: 0x3f, p2: 0xff, data: bytes});
    transport.assertDone();
  });

  it('sends up to 65535 bytes in one extended APDU and chains beyond', async () => {
    const bytes = data(65536);
    const {transport, processor} = chaining(
      [
        `> 10 DB 3F FF 00 FF FF ${toHex(bytes.subarray(0, 65535))}`,
        '< 90 00',
        `> 00 DB 3F FF 01 ${toHex(bytes.subarray(65535))}`,
        '< 90 00',
      ].join('\n'),
      true,
    );
    await processor.transmit({cla: 0, ins: 0xdb, p1: 0x3f, p2: 0xff, data: bytes});
    transport.assertDone();
  });
});
