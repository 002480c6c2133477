import {CLA_CHAINING, type CommandApdu, type ResponseApdu} from '../command.js';
import {StatusWord} from '../status-word.js';
import type {ApduProcessor} from './processor.js';

/**
 * Command chaining (ISO/IEC 7816-4:2005 clause 5.1.1.1): data longer than `pieceSize` goes in pieces of
 * `pieceSize` bytes, each but the last with CLA | 0x10 and no Le; the last piece has the command's own CLA and
 * Le. Every piece but the last must answer 9000; any other answer ends the chain and is returned as the
 * command's response. 255 for cards without extended APDUs (as OpenSC and yubico-piv-tool send), 65535 with them.
 */
export class CommandChainingProcessor implements ApduProcessor {
  constructor(
    private readonly next: ApduProcessor,
    private readonly pieceSize: number,
  ) {}

  async transmit(command: CommandApdu): Promise<ResponseApdu> {
    const data = command.data ?? new Uint8Array();
    let offset = 0;
    while (data.length - offset > this.pieceSize) {
      const piece = data.subarray(offset, offset + this.pieceSize);
      const response = await this.next.transmit({
        ...command,
        cla: command.cla | CLA_CHAINING,
        data: piece,
        le: undefined,
      });
      if (response.sw !== StatusWord.Success) return response;
      offset += this.pieceSize;
    }
    return this.next.transmit(offset === 0 ? command : {...command, data: data.subarray(offset)});
  }
}
