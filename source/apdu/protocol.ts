import {EXTENDED_MAX_LC, SHORT_MAX_LC, type CommandApdu, type ResponseApdu} from './command.js';
import {ApduError} from './errors.js';
import {CommandChainingProcessor} from './processors/command-chaining.js';
import {FormattingProcessor} from './processors/formatting.js';
import {LeCorrectionProcessor} from './processors/le-correction.js';
import type {ApduProcessor} from './processors/processor.js';
import {ResponseChainingProcessor} from './processors/response-chaining.js';
import {StatusWord} from './status-word.js';
import {traceTransmit, type TraceSink} from './trace.js';
import type {Transport} from './transports/transport.js';

export interface ApduProtocolOptions {
  /**
   * The card takes extended-length APDUs: commands then go in one APDU up to 65535 data bytes. Default false:
   * short APDUs, with command chaining for data over 255 bytes (what OpenSC and yubico-piv-tool send).
   */
  readonly extended?: boolean;
  /** Receives a redacted line for every APDU on the wire. */
  readonly trace?: TraceSink;
}

/**
 * The longest chained response accepted: a PIV object is at most 65,279 bytes, plus room
 * (docs/piv-card.md section 7).
 */
const MAX_RESPONSE_LENGTH = 0x2_0000;

/**
 * ISO/IEC 7816-4 over a {@link Transport} (as yubikit's `SmartCardProtocol`): composes, outermost first, command
 * chaining, response chaining (61xx), Le correction (6Cxx) and formatting, so each chained piece and each GET
 * RESPONSE gets its own 61xx/6Cxx handling (as OpenSC does per APDU). Exchanges run one at a time: a second
 * `transmit` waits for the first, so chains never interleave.
 */
export class ApduProtocol {
  readonly #processor: ApduProcessor;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(transport: Transport, options: ApduProtocolOptions = {}) {
    const isExtended = options.extended ?? false;
    const raw = (apdu: Uint8Array) => transport.transmit(apdu);
    const wire = new FormattingProcessor(options.trace ? traceTransmit(raw, options.trace) : raw, isExtended);
    this.#processor = new CommandChainingProcessor(
      new ResponseChainingProcessor(new LeCorrectionProcessor(wire), MAX_RESPONSE_LENGTH),
      isExtended ? EXTENDED_MAX_LC : SHORT_MAX_LC,
    );
  }

  /**
   * Sends a command and resolves to the whole response (all chunks), whatever the status word. Rejects with
   * TransportError (any code of the transport), ApduFormatError `command-out-of-range` (a field does not fit),
   * `response-malformed` or `response-too-long`.
   */
  transmit(command: CommandApdu): Promise<ResponseApdu> {
    const result = this.#queue.then(() => this.#processor.transmit(command));
    this.#queue = result.catch(() => undefined);
    return result;
  }

  /**
   * Sends a command and resolves to its response data. Rejects with ApduError (`sw`, `ins`, a code per meaning,
   * `triesLeft` for 63Cx) on any status word but 9000, and with whatever {@link transmit} rejects with.
   */
  async send(command: CommandApdu): Promise<Uint8Array> {
    const {data, sw} = await this.transmit(command);
    if (sw !== StatusWord.Success) throw new ApduError(sw, command.ins);
    return data;
  }
}
