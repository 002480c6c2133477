import {StatusWord} from '../../apdu/status-word.js';
import type {CardEndpoint} from '../../apdu/transports/transport.js';
import {IDPRIME_AID, IDPRIME_ATR} from '../idprime.js';
import {CardIo} from './card-io.js';
import type {AppletCommand, AppletReply} from './command-context.js';
import {CardStatusError} from './errors.js';
import {FaultInjector} from './faults.js';
import {INSTANT_TIMING} from './timing.js';

/**
 * A new SITHS eID card (Thales IDPrime) as far as recognising one goes: its ATR, and its application answering
 * SELECT by name (card-idprime.c idprime_match_card). Nothing else: the tool only needs to tell such a card that it
 * needs no upgrade.
 */

const INS_SELECT = 0xa4;
const P1_SELECT_BY_NAME = 0x04;

/** A new virtual IDPrime card, powered off until reset (as every virtual card). */
export function virtualIdPrimeCard(): CardEndpoint {
  return new CardIo({
    application: {
      process: (command: AppletCommand): AppletReply => {
        if (command.ins !== INS_SELECT) throw new CardStatusError(StatusWord.InsNotSupported);
        const isIdPrime =
          command.p1 === P1_SELECT_BY_NAME &&
          command.data.length === IDPRIME_AID.length &&
          command.data.every((byte, index) => byte === IDPRIME_AID[index]);
        if (!isIdPrime) throw new CardStatusError(StatusWord.NotFound);
        return {};
      },
      clearVolatileState: () => undefined,
    },
    atr: IDPRIME_ATR,
    protocol: 'T=0',
    repeatableInstructions: new Set(),
    faults: new FaultInjector(),
    timing: INSTANT_TIMING,
  });
}
