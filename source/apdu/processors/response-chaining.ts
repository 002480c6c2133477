import {concatBytes} from '../tlv.js';
import {ApduFormatError} from '../errors.js';
import {moreDataLength} from '../status-word.js';
import type {CommandApdu, ResponseApdu} from '../command.js';
import type {ApduProcessor} from './processor.js';

/** GET RESPONSE (ISO/IEC 7816-4:2005 clause 7.6.1): fetches the next chunk of a response announced by 61xx. */
const INS_GET_RESPONSE = 0xc0;

/**
 * Response chaining: while the card answers 61xx, sends GET RESPONSE 00 C0 00 00 xx (xx from SW2; 61 00 asks
 * for 256) and appends each chunk. Returns all data with the last status word. Rejects with ApduFormatError
 * `response-malformed` when a 61xx answer carries no data after the first (a card that makes no progress), and
 * `response-too-long` past `maxLength` bytes.
 */
export class ResponseChainingProcessor implements ApduProcessor {
  constructor(
    private readonly next: ApduProcessor,
    private readonly maxLength: number,
  ) {}

  async transmit(command: CommandApdu): Promise<ResponseApdu> {
    let response = await this.next.transmit(command);
    let more = moreDataLength(response.sw);
    if (more === undefined) return response;
    const chunks = [response.data];
    let length = response.data.length;
    while (more !== undefined) {
      response = await this.next.transmit({cla: 0x00, ins: INS_GET_RESPONSE, p1: 0x00, p2: 0x00, le: more});
      more = moreDataLength(response.sw);
      if (more !== undefined && response.data.length === 0)
        throw new ApduFormatError('response-malformed', 'GET RESPONSE answered 61xx without data');
      length += response.data.length;
      if (length > this.maxLength)
        throw new ApduFormatError('response-too-long', `response exceeds ${this.maxLength} bytes`);
      chunks.push(response.data);
    }
    return {data: concatBytes(chunks), sw: response.sw};
  }
}
