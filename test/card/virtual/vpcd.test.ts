import {afterEach, describe, expect, it, vi} from 'vitest';
import type {CardEndpoint} from '../../../source/apdu/transports/transport.js';
import {
  connectVpcd,
  VpcdControl,
  type VpcdBridge,
  type VpcdState,
} from '../../../source/card/virtual/vpcd.js';
import {FakeVpcdReader, vpcdFrame} from './vpcd-reader.js';

const ATR = Uint8Array.of(0x3b, 0x80, 0x01, 0x81);
const WAIT = {timeout: 5000, interval: 10};

/** A card that answers every APDU with its first four bytes and 90 00, and counts power events. */
class CountingCard implements CardEndpoint {
  resets = 0;
  powerOffs = 0;
  isTorn = false;

  reset(): Uint8Array {
    this.resets++;
    return ATR;
  }

  powerOff(): void {
    this.powerOffs++;
  }

  async process(apdu: Uint8Array): Promise<Uint8Array> {
    if (this.isTorn) throw new Error('torn');
    return Uint8Array.from([...apdu.subarray(0, 4), 0x90, 0x00]);
  }
}

describe('connectVpcd', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setUp(options: {retryDelayMs?: number} = {}) {
    const reader = await FakeVpcdReader.listen({timeoutMs: WAIT.timeout});
    cleanups.push(() => reader.close());
    const card = new CountingCard();
    const states: VpcdState[] = [];
    const bridge = connectVpcd({
      card,
      port: reader.port,
      retryDelayMs: options.retryDelayMs ?? 10,
      onStateChange: (state) => states.push(state),
    });
    cleanups.push(() => bridge.close());
    await vi.waitFor(() => expect(reader.socket).toBeDefined(), WAIT);
    await vi.waitFor(() => expect(bridge.state).toBe('inserted'), WAIT);
    return {reader, card, bridge, states};
  }

  it('answers GET ATR with the ATR and a command APDU with the card response', async () => {
    const {reader} = await setUp();

    reader.send(Uint8Array.of(VpcdControl.GetAtr));
    expect(await reader.answer()).toEqual(ATR);
    reader.send(Uint8Array.of(0x00, 0xa4, 0x04, 0x00, 0x01, 0xa0));
    expect(await reader.answer()).toEqual(Uint8Array.of(0x00, 0xa4, 0x04, 0x00, 0x90, 0x00));
  });

  it('resets the card on insertion, power on and reset, and powers it off when asked, without answering', async () => {
    const {reader, card} = await setUp();
    expect(card.resets).toBe(1);

    reader.send(Uint8Array.of(VpcdControl.PowerOff));
    reader.send(Uint8Array.of(VpcdControl.PowerOn));
    reader.send(Uint8Array.of(VpcdControl.Reset));
    reader.send(Uint8Array.of(VpcdControl.GetAtr));

    expect(await reader.answer()).toEqual(ATR);
    expect(card.resets).toBe(3);
    expect(card.powerOffs).toBe(1);
  });

  it('reassembles frames that arrive a byte at a time, and answers frames in order', async () => {
    const {reader} = await setUp();
    const bytes = Buffer.concat([
      vpcdFrame(Uint8Array.of(0x00, 0xca, 0x01, 0x02)),
      vpcdFrame(Uint8Array.of(VpcdControl.GetAtr)),
    ]);

    for (const byte of bytes) {
      reader.socket!.write(Uint8Array.of(byte));
      await new Promise((resolve) => setImmediate(resolve));
    }

    expect(await reader.answer()).toEqual(Uint8Array.of(0x00, 0xca, 0x01, 0x02, 0x90, 0x00));
    expect(await reader.answer()).toEqual(ATR);
  });

  it('connects again when the reader goes away and comes back, powering the card off meanwhile', async () => {
    const {reader, card, bridge, states} = await setUp();
    const port = reader.port;

    await reader.close();
    await vi.waitFor(() => expect(bridge.state).toBe('connecting'), WAIT);
    expect(card.powerOffs).toBe(1);
    const back = await FakeVpcdReader.listen({timeoutMs: WAIT.timeout, port});
    cleanups.push(() => back.close());

    await vi.waitFor(() => expect(bridge.state).toBe('inserted'), WAIT);
    back.send(Uint8Array.of(VpcdControl.GetAtr));
    expect(await back.answer()).toEqual(ATR);
    expect(states).toEqual(['inserted', 'connecting', 'inserted']);
  });

  it('ejects a card whose processing fails, and puts it back on insert', async () => {
    const {reader, card, bridge, states} = await setUp();
    card.isTorn = true;

    reader.send(Uint8Array.of(0x00, 0xb0, 0x00, 0x00, 0x00));
    await vi.waitFor(() => expect(bridge.state).toBe('ejected'), WAIT);
    await vi.waitFor(() => expect(reader.socket!.readableEnded || reader.socket!.destroyed).toBe(true), WAIT);
    card.isTorn = false;
    bridge.insert();

    await vi.waitFor(() => expect(reader.sockets).toHaveLength(2), WAIT);
    await vi.waitFor(() => expect(bridge.state).toBe('inserted'), WAIT);
    expect(states).toEqual(['inserted', 'ejected', 'connecting', 'inserted']);
  });

  it('stays out after close, even when the reader is there', async () => {
    const {reader, bridge, states} = await setUp();

    await bridge.close();
    await vi.waitFor(() => expect(reader.socket!.readableEnded || reader.socket!.destroyed).toBe(true), WAIT);

    expect(bridge.state).toBe('closed');
    expect(reader.sockets).toHaveLength(1);
    expect(states.at(-1)).toBe('closed');
  });

  it('keeps trying with backoff while nothing listens', async () => {
    const reader = await FakeVpcdReader.listen({timeoutMs: WAIT.timeout});
    const port = reader.port;
    await reader.close();
    const bridge: VpcdBridge = connectVpcd({
      card: new CountingCard(),
      port,
      retryDelayMs: 5,
      maxRetryDelayMs: 20,
    });
    cleanups.push(() => bridge.close());

    const late = await FakeVpcdReader.listen({timeoutMs: WAIT.timeout, port});
    cleanups.push(() => late.close());

    await vi.waitFor(() => expect(bridge.state).toBe('inserted'), WAIT);
  });
});
