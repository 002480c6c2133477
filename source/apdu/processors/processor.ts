import type {CommandApdu, ResponseApdu} from '../command.js';

/**
 * One APDU concern (as yubikit's `ApduProcessor`): formatting, command chaining, response chaining, Le
 * correction. Each wraps the next and passes on what it does not handle; `ApduProtocol` composes them. A
 * processor returns the card's answer whatever the status word; only `ApduProtocol.send` throws on non-9000.
 */
export interface ApduProcessor {
  /** Sends a command; resolves to the response. Rejects with TransportError or ApduFormatError. */
  transmit(command: CommandApdu): Promise<ResponseApdu>;
}

/** Sends raw command bytes and resolves to raw response bytes: `Transport.transmit`, possibly traced. */
export type RawTransmit = (apdu: Uint8Array) => Promise<Uint8Array>;
