import {describe, expect, it} from 'vitest';
import {FormattingProcessor} from '../../../source/apdu/processors/formatting.js';
import {hex, TranscriptTransport, toHex} from '../transcript-transport.js';

function formatting(transcript: string, isExtended: boolean) {
  const transport = new TranscriptTransport(transcript);
  return {transport, processor: new FormattingProcessor((apdu) => transport.transmit(apdu), isExtended)};
}

describe('FormattingProcessor', () => {
  it('sends a short APDU and splits the answer', async () => {
    const {transport, processor} = formatting('> 00 CB 3F FF 02 5C 00 00\n< 53 00 90 00', false);
    const response = await processor.transmit({
      cla: 0,
      ins: 0xcb,
      p1: 0x3f,
      p2: 0xff,
      data: hex('5C 00'),
      le: 256,
    });
    expect(toHex(response.data)).toBe('53 00');
    expect(response.sw).toBe(0x9000);
    transport.assertDone();
  });

  it('asks a short-only card for 256 bytes when more are wanted, leaving the rest to 61xx', async () => {
    const {transport, processor} = formatting('> 00 CB 3F FF 00\n< 90 00', false);
    await processor.transmit({cla: 0, ins: 0xcb, p1: 0x3f, p2: 0xff, le: 65536});
    transport.assertDone();
  });

  it('uses the extended form only when the short one does not fit', async () => {
    const {transport, processor} = formatting(
      ['> 00 CB 3F FF 00', '< 90 00', '> 00 CB 3F FF 00 00 00', '< 90 00'].join('\n'),
      true,
    );
    await processor.transmit({cla: 0, ins: 0xcb, p1: 0x3f, p2: 0xff, le: 256});
    await processor.transmit({cla: 0, ins: 0xcb, p1: 0x3f, p2: 0xff, le: 65536});
    transport.assertDone();
  });

  it('refuses data over 255 bytes on a short-only card without sending anything', async () => {
    const {transport, processor} = formatting('', false);
    await expect(
      processor.transmit({cla: 0, ins: 0xdb, p1: 0x3f, p2: 0xff, data: new Uint8Array(256)}),
    ).rejects.toMatchObject({name: 'ApduFormatError', code: 'command-out-of-range'});
    expect(transport.received).toEqual([]);
  });

  it('rejects an answer without a status word', async () => {
    const {processor} = formatting('> 00 A4 04 00\n< 90', false);
    await expect(processor.transmit({cla: 0, ins: 0xa4, p1: 4, p2: 0})).rejects.toMatchObject({
      code: 'response-malformed',
    });
  });
});
