import {describe, expect, it} from 'vitest';
import {decodeCommandApdu, encodeResponseApdu} from '../../../source/apdu/command.js';
import {ApduProtocol} from '../../../source/apdu/protocol.js';
import {TransportError} from '../../../source/apdu/transports/errors.js';
import {InProcessTransport} from '../../../source/apdu/transports/in-process.js';
import type {CardEndpoint} from '../../../source/apdu/transports/transport.js';
import {hex, toHex} from '../transcript-transport.js';

/**
 * A card that answers every command with its data reversed, counts resets and power-offs, and can be torn
 * out and put back.
 */
class ReversingCard implements CardEndpoint {
  resets = 0;
  powerOffs = 0;
  processed = 0;
  isPresent = true;

  reset(): Uint8Array {
    if (!this.isPresent) throw new Error('no card in the field');
    this.resets++;
    return hex(`3B 80 80 01 0${this.resets}`);
  }

  powerOff(): void {
    this.powerOffs++;
  }

  async process(apdu: Uint8Array): Promise<Uint8Array> {
    if (!this.isPresent) throw new Error('torn');
    this.processed++;
    return encodeResponseApdu({data: Uint8Array.from(decodeCommandApdu(apdu).data).reverse(), sw: 0x9000});
  }
}

describe('InProcessTransport', () => {
  it('resets the card on open and reports its ATR and a reader name', () => {
    const card = new ReversingCard();
    const transport = new InProcessTransport(card, {readerName: 'Test reader'});
    expect(card.resets).toBe(1);
    expect(toHex(transport.atr)).toBe('3B 80 80 01 01');
    expect(transport.readerName).toBe('Test reader');
  });

  it('carries APDUs to the card and back under ApduProtocol', async () => {
    const transport = new InProcessTransport(new ReversingCard());
    const protocol = new ApduProtocol(transport);
    expect(toHex(await protocol.send({cla: 0, ins: 0xcb, p1: 0x3f, p2: 0xff, data: hex('01 02 03')}))).toBe(
      '03 02 01',
    );
  });

  it('runs exclusive work and returns its result', async () => {
    const transport = new InProcessTransport(new ReversingCard());
    await expect(transport.exclusive(async () => 42)).resolves.toBe(42);
  });

  it('reports a card torn mid-command as card-removed, and keeps it removed until reconnect', async () => {
    const card = new ReversingCard();
    const transport = new InProcessTransport(card);
    card.isPresent = false;
    const error = await transport.transmit(hex('00 CB 3F FF')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({code: 'card-removed', cause: expect.any(Error)});

    card.isPresent = true;
    await expect(transport.transmit(hex('00 CB 3F FF'))).rejects.toMatchObject({code: 'card-removed'});
    expect(card.processed).toBe(0);

    await transport.reconnect();
    expect(toHex(transport.atr)).toBe('3B 80 80 01 02');
    expect(toHex(await transport.transmit(hex('00 CB 3F FF 01 AA')))).toBe('AA 90 00');
  });

  it('reports no-card when reconnecting to a card that is still out', async () => {
    const card = new ReversingCard();
    const transport = new InProcessTransport(card);
    card.isPresent = false;
    await expect(transport.reconnect()).rejects.toMatchObject({name: 'TransportError', code: 'no-card'});
    await expect(transport.transmit(hex('00 CB 3F FF'))).rejects.toMatchObject({code: 'card-removed'});
  });

  it('reports no-card when opened on a card that does not answer to reset', () => {
    const card = new ReversingCard();
    card.isPresent = false;
    expect(() => new InProcessTransport(card)).toThrow(expect.objectContaining({code: 'no-card'}));
  });

  it('powers the card off once on close and refuses to transmit afterwards', async () => {
    const card = new ReversingCard();
    const transport = new InProcessTransport(card);
    await transport.close();
    await transport.close();
    expect(card.powerOffs).toBe(1);
    await expect(transport.transmit(hex('00 CB 3F FF'))).rejects.toMatchObject({code: 'transport-failed'});
    await expect(transport.reconnect()).rejects.toMatchObject({code: 'transport-failed'});
  });
});
