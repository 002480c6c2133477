import {describe, expect, it} from 'vitest';
import {decodeResponseApdu} from '../../../source/apdu/command.js';
import {InProcessTransport} from '../../../source/apdu/transports/in-process.js';
import type {Transport} from '../../../source/apdu/transports/transport.js';
import {PivSession} from '../../../source/card/piv/session.js';
import {blankCard} from '../../../source/card/virtual/profiles.js';
import {INSTANT_TIMING} from '../../../source/card/virtual/timing.js';
import {VirtualPivCard} from '../../../source/card/virtual/virtual-card.js';
import {hex} from '../../apdu/transcript-transport.js';

/** A transport to `card` whose close only records how it was asked to close (the card keeps its power). */
function recordingTransport(card: VirtualPivCard): {transport: Transport; closes: {reset?: boolean}[]} {
  const inner = new InProcessTransport(card);
  const closes: {reset?: boolean}[] = [];
  const transport: Transport = {
    readerName: inner.readerName,
    get atr() {
      return inner.atr;
    },
    transmit: (apdu) => inner.transmit(apdu),
    exclusive: (work) => inner.exclusive(work),
    reconnect: () => inner.reconnect(),
    close: async (options = {}) => void closes.push(options),
  };
  return {transport, closes};
}

describe('PivSession.close', () => {
  it.each([
    [
      'logs the PIN out with VERIFY FF on a card that can (YubiKey 5.7)',
      {major: 5, minor: 7, patch: 2},
      false,
    ],
    [
      'resets a card that cannot log out (YubiKey 5.2) as it releases it',
      {major: 5, minor: 2, patch: 7},
      true,
    ],
  ])('%s, so no other program finds the PIN verified', async (_name, firmware, isReset) => {
    const card = new VirtualPivCard({state: await blankCard({serial: 1, firmware}), timing: INSTANT_TIMING});
    const {transport, closes} = recordingTransport(card);
    const session = await PivSession.open(transport);
    await session.verifyPin('123456');
    expect(await session.pinStatus()).toEqual({type: 'verified'});

    await session.close();

    expect(closes).toEqual([{reset: isReset}]);
    if (isReset) card.reset();
    await card.process(hex('00 A4 04 00 05 A0 00 00 03 08'));
    const status = decodeResponseApdu(await card.process(hex('00 20 00 80')));
    expect(status.sw.toString(16)).toBe('63c3');
  });
});
