import {describe, expect, it, vi} from 'vitest';
import {InProcessTransport} from '../../../source/apdu/transports/in-process.js';
import {CardAlreadyNewError} from '../../../source/card/errors.js';
import {IDPRIME_ATR} from '../../../source/card/idprime.js';
import {virtualIdPrimeCard} from '../../../source/card/virtual/idprime-card.js';
import {blankCard} from '../../../source/card/virtual/profiles.js';
import {INSTANT_TIMING} from '../../../source/card/virtual/timing.js';
import {VirtualPivCard} from '../../../source/card/virtual/virtual-card.js';
import {InProcessReaders} from '../../../source/upgrade/adapters/in-process-readers.js';
import {openCard} from '../../../source/upgrade/adapters/open-card.js';
import {UpgradeEngine} from '../../../source/upgrade/engine.js';
import {realClock} from '../support/world.js';

describe('openCard', () => {
  it('tells a new SITHS eID card (IDPrime) that it needs no upgrade, and releases it', async () => {
    const transport = new InProcessTransport(virtualIdPrimeCard());
    const close = vi.spyOn(transport, 'close');
    await expect(openCard(transport)).rejects.toBeInstanceOf(CardAlreadyNewError);
    expect(close).toHaveBeenCalled();
  });

  it('opens a PIV card as PIV, even with an IDPrime-like ATR when the IDPrime application is not there', async () => {
    const state = await blankCard({serial: 1});
    const card = new VirtualPivCard({state, timing: INSTANT_TIMING, atr: IDPRIME_ATR});
    const port = await openCard(new InProcessTransport(card));
    expect(port.pinCount).toBe(1);
    expect(await port.pinTriesLeft()).toBe(3);
  });

  it('makes the engine say the new card needs no upgrade, as the screens show it', async () => {
    const readers = new InProcessReaders((transport) => openCard(transport), ['Reader']);
    readers.insert('Reader', virtualIdPrimeCard());
    const engine = new UpgradeEngine({
      readers,
      service: {beginLogin: () => Promise.reject(new Error('no login expected'))},
      clock: realClock,
      random: {bytes: (length) => new Uint8Array(length)},
      log: {write: () => undefined},
      language: 'sv',
      trustAnchors: [],
    });
    engine.start();
    await vi.waitFor(() => expect(engine.getState().type).toBe('failed'));
    const state = engine.getState();
    expect(state.type === 'failed' && state.error).toEqual({code: 'card-already-new'});
    await engine.dispose();
  });
});
