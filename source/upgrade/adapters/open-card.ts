import type {TraceSink} from '../../apdu/trace.js';
import type {Transport} from '../../apdu/transports/transport.js';
import {CardAlreadyNewError} from '../../card/errors.js';
import {isIdPrimeCard} from '../../card/idprime.js';
import type {CardPort} from '../ports.js';
import {openPivCard} from './piv-card.js';

/**
 * Opens the card behind `transport` as the engine's card port, by what the card answers (never by configuration):
 * a new SITHS eID card (IDPrime) is told that it needs no upgrade (CardAlreadyNewError 'card-already-new'); any
 * other card is opened as a PIV card (CardNotPivError 'not-a-piv-card' when it has no PIV application). `trace`
 * receives the redacted APDUs (--trace). Closes the transport when it throws.
 */
export async function openCard(transport: Transport, options: {trace?: TraceSink} = {}): Promise<CardPort> {
  try {
    if (await isIdPrimeCard(transport)) throw new CardAlreadyNewError();
  } catch (error) {
    await transport.close().catch(() => undefined);
    throw error;
  }
  return openPivCard(transport, options);
}
