import {describe, expect, it} from 'vitest';
import {TranscriptTransport, hex} from './transcript-transport.js';

describe('TranscriptTransport', () => {
  it('replays answers to the expected commands, with comments and blank lines ignored', async () => {
    const transport = new TranscriptTransport(`
      # select PIV
      > 00 A4 04 00 05 A0 00 00 03 08
      < 90 00
      reconnect
      > 00 20 00 80
      < 63 C3
    `);
    expect(await transport.transmit(hex('00 A4 04 00 05 A0 00 00 03 08'))).toEqual(hex('90 00'));
    await transport.reconnect();
    expect(await transport.transmit(hex('00 20 00 80'))).toEqual(hex('63 C3'));
    transport.assertDone();
  });

  it('rejects an unexpected APDU and keeps the failure for assertDone', async () => {
    const transport = new TranscriptTransport('> 00 A4 04 00\n< 90 00');
    await expect(transport.transmit(hex('00 A4 04 01'))).rejects.toThrow(/line 1: expected > 00 A4 04 00/);
    expect(() => transport.assertDone()).toThrow(/transcript mismatch/);
  });

  it('rejects APDUs past the end, and a reconnect where a command is expected', async () => {
    const transport = new TranscriptTransport('> 00 A4 04 00\n< 90 00');
    await expect(transport.reconnect()).rejects.toThrow(/unexpected reconnect/);
    const finished = new TranscriptTransport('');
    await expect(finished.transmit(hex('00 A4 04 00'))).rejects.toThrow(/after the end/);
  });

  it('fails assertDone while steps remain', () => {
    expect(() => new TranscriptTransport('> 00 A4 04 00\n< 90 00').assertDone()).toThrow(
      /1 transcript steps/,
    );
  });

  it('turns a ! line into a TransportError with that code', async () => {
    const transport = new TranscriptTransport('> 00 A4 04 00\n! card-reset');
    await expect(transport.transmit(hex('00 A4 04 00'))).rejects.toMatchObject({
      name: 'TransportError',
      code: 'card-reset',
    });
  });

  it('refuses a transcript with a command but no answer', () => {
    expect(() => new TranscriptTransport('> 00 A4 04 00')).toThrow(/without an answer/);
  });
});
