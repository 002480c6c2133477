import {SithsError} from '../errors.js';

/** A BER-TLV structure that does not parse: truncated, overlong, or a length form we do not accept. */
export class TlvError extends SithsError<'tlv-malformed'> {
  override readonly name = 'TlvError';
  constructor(
    message: string,
    /** Offset in the input where decoding failed. */
    readonly offset: number,
  ) {
    super('tlv-malformed', `${message} at offset ${offset}`);
  }
}
