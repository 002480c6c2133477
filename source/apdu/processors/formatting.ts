import {
  decodeResponseApdu,
  encodeCommandApdu,
  SHORT_MAX_LE,
  type CommandApdu,
  type ResponseApdu,
} from '../command.js';
import type {ApduProcessor, RawTransmit} from './processor.js';

/**
 * The innermost processor: encodes each command in the short form, or (`isExtended`) in the extended form when
 * the short one does not fit, sends it and splits the answer into data and status word. In the short form an
 * Le above 256 is sent as 00 (256): the card answers 61xx for the rest, which response chaining fetches.
 */
export class FormattingProcessor implements ApduProcessor {
  constructor(
    private readonly send: RawTransmit,
    private readonly isExtended: boolean,
  ) {}

  /** Throws ApduFormatError `command-out-of-range` for a command that does not fit, `response-malformed` for under two bytes back. */
  async transmit(command: CommandApdu): Promise<ResponseApdu> {
    const le =
      !this.isExtended && command.le !== undefined && command.le > SHORT_MAX_LE ? SHORT_MAX_LE : command.le;
    const apdu = encodeCommandApdu({...command, le}, this.isExtended ? 'auto' : 'short');
    return decodeResponseApdu(await this.send(apdu));
  }
}
