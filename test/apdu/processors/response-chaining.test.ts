import {describe, expect, it} from 'vitest';
import {FormattingProcessor} from '../../../source/apdu/processors/formatting.js';
import {ResponseChainingProcessor} from '../../../source/apdu/processors/response-chaining.js';
import {TranscriptTransport, toHex} from '../transcript-transport.js';

function chaining(transcript: string, maxLength = 0x2_0000) {
  const transport = new TranscriptTransport(transcript);
  const wire = new FormattingProcessor((apdu) => transport.transmit(apdu), false);
  return {transport, processor: new ResponseChainingProcessor(wire, maxLength)};
}

const getData = {cla: 0, ins: 0xcb, p1: 0x3f, p2: 0xff, le: 256};

function filled(length: number, byte: number): string {
  return toHex(new Uint8Array(length).fill(byte));
}

describe('ResponseChainingProcessor', () => {
  it('passes an answer without 61xx through untouched', async () => {
    const {transport, processor} = chaining('> 00 CB 3F FF 00\n< 6A 82');
    expect(await processor.transmit(getData)).toEqual({data: new Uint8Array(), sw: 0x6a82});
    transport.assertDone();
  });

  it('fetches what 61xx announces with GET RESPONSE until 9000', async () => {
    const {transport, processor} = chaining(
      [
        '> 00 CB 3F FF 00',
        '< 01 02 61 02',
        '> 00 C0 00 00 02',
        '< 03 04 61 01',
        '> 00 C0 00 00 01',
        '< 05 90 00',
      ].join('\n'),
    );
    const response = await processor.transmit(getData);
    expect(toHex(response.data)).toBe('01 02 03 04 05');
    expect(response.sw).toBe(0x9000);
    transport.assertDone();
  });

  it('reads 61 00 as 256 or more and asks for 256 with Le 00', async () => {
    const {transport, processor} = chaining(
      [
        '> 00 CB 3F FF 00',
        `< ${filled(256, 0xaa)} 61 00`,
        '> 00 C0 00 00 00',
        `< ${filled(256, 0xbb)} 61 58`,
        '> 00 C0 00 00 58',
        `< ${filled(0x58, 0xcc)} 90 00`,
      ].join('\n'),
    );
    const response = await processor.transmit(getData);
    expect(response.data.length).toBe(600);
    expect([response.data[0], response.data[256], response.data[599]]).toEqual([0xaa, 0xbb, 0xcc]);
    transport.assertDone();
  });

  it('fetches data when the first answer is a bare 61xx, as T=0 cards answer', async () => {
    const {transport, processor} = chaining('> 00 CB 3F FF 00\n< 61 02\n> 00 C0 00 00 02\n< 53 00 90 00');
    expect(toHex((await processor.transmit(getData)).data)).toBe('53 00');
    transport.assertDone();
  });

  it('returns the data so far with the status word of a failing GET RESPONSE', async () => {
    const {processor} = chaining('> 00 CB 3F FF 00\n< 01 61 05\n> 00 C0 00 00 05\n< 6F 00');
    expect(await processor.transmit(getData)).toEqual({data: Uint8Array.of(1), sw: 0x6f00});
  });

  it('rejects a card that keeps answering 61xx without data', async () => {
    const {processor} = chaining('> 00 CB 3F FF 00\n< 01 61 05\n> 00 C0 00 00 05\n< 61 05');
    await expect(processor.transmit(getData)).rejects.toMatchObject({
      name: 'ApduFormatError',
      code: 'response-malformed',
    });
  });

  it('rejects a response longer than the limit', async () => {
    const {processor} = chaining(`> 00 CB 3F FF 00\n< 01 02 61 02\n> 00 C0 00 00 02\n< 03 04 61 02`, 3);
    await expect(processor.transmit(getData)).rejects.toMatchObject({code: 'response-too-long'});
  });
});
