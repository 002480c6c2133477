import type {TraceSink} from '../../apdu/trace.js';
import type {Transport} from '../../apdu/transports/transport.js';
import {CardAlreadyNewError} from '../../card/errors.js';
import {isIdPrimeCard} from '../../card/idprime.js';
import {Pkcs15Session} from '../../card/pkcs15/session.js';
import {knownSetecEidAtr} from '../../card/pkcs15/setec-eid.js';
import type {CardPort} from '../ports.js';
import {openEidCard} from './eid-card.js';
import {openPivCard} from './piv-card.js';

/**
 * Opens the card behind `transport` as the engine's card port, by what the card answers (never by configuration):
 * a new SITHS eID card (IDPrime) is told that it needs no upgrade (CardAlreadyNewError 'card-already-new'); a
 * two-PIN SITHS card (a Telia EID IP5a ATR, or any card whose GET DATA DF30 names the Setec EID applet, as OpenSC's
 * setcos_match_card asks) is opened as that card (source/upgrade/adapters/eid-card.ts); any other card is opened as
 * a PIV card (CardNotPivError 'not-a-piv-card' when it has no PIV application). `trace`
 * receives the redacted APDUs (--trace). Closes the transport when it throws.
 */
export async function openCard(transport: Transport, options: {trace?: TraceSink} = {}): Promise<CardPort> {
  let isSetecEid: boolean;
  try {
    if (await isIdPrimeCard(transport)) throw new CardAlreadyNewError();
    isSetecEid =
      knownSetecEidAtr(transport.atr) !== undefined ||
      (await Pkcs15Session.open(transport).eidVersion()) !== undefined;
  } catch (error) {
    await transport.close().catch(() => undefined);
    throw error;
  }
  return isSetecEid ? openEidCard(transport, options) : openPivCard(transport, options);
}
