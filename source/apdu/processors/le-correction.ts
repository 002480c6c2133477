import {exactLength} from '../status-word.js';
import type {CommandApdu, ResponseApdu} from '../command.js';
import type {ApduProcessor} from './processor.js';

/**
 * Wrong Le (ISO/IEC 7816-4:2005 clause 5.1.3, 6Cxx): re-sends the same command once with Le = xx (6C 00 means
 * 256), as OpenSC and yubico-piv-tool do. A second 6Cxx is returned as it is.
 */
export class LeCorrectionProcessor implements ApduProcessor {
  constructor(private readonly next: ApduProcessor) {}

  async transmit(command: CommandApdu): Promise<ResponseApdu> {
    const response = await this.next.transmit(command);
    const le = exactLength(response.sw);
    return le === undefined ? response : this.next.transmit({...command, le});
  }
}
