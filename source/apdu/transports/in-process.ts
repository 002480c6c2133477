import {TransportError} from './errors.js';
import type {CardEndpoint, Transport} from './transport.js';

export interface InProcessTransportOptions {
  /** The name `readerName` reports. */
  readonly readerName?: string;
}

/**
 * A transport to a card in the same process (the virtual card, test cards): no PC/SC. Opening resets the card
 * and takes its ATR (TransportError `no-card` when that fails). When the endpoint throws, the card counts as torn out, as PC/SC would see it: this and
 * every later `transmit` reject with TransportError `card-removed` until `reconnect` powers it up again.
 */
export class InProcessTransport implements Transport {
  readonly readerName: string;
  #atr: Uint8Array;
  #state: 'open' | 'removed' | 'closed' = 'open';

  constructor(
    private readonly endpoint: CardEndpoint,
    options: InProcessTransportOptions = {},
  ) {
    this.readerName = options.readerName ?? 'In-process card';
    this.#atr = this.#powerUp();
  }

  get atr(): Uint8Array {
    return this.#atr;
  }

  /** Rejects with TransportError `card-removed` (endpoint threw, now or before) or `transport-failed` (closed). */
  async transmit(apdu: Uint8Array): Promise<Uint8Array> {
    if (this.#state === 'closed') throw new TransportError('transport-failed', 'the transport is closed');
    if (this.#state === 'removed')
      throw new TransportError('card-removed', 'the card was removed; reconnect to continue');
    try {
      return await this.endpoint.process(apdu);
    } catch (error) {
      this.#state = 'removed';
      throw new TransportError('card-removed', 'the card was removed during a command', {cause: error});
    }
  }

  /** Runs `work`: an in-process card has no other users to keep out. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return work();
  }

  /**
   * Resets the card (clearing its volatile state) and takes the new ATR. Rejects with TransportError `no-card`
   * when the endpoint cannot be powered up, `transport-failed` after close.
   */
  async reconnect(): Promise<void> {
    if (this.#state === 'closed') throw new TransportError('transport-failed', 'the transport is closed');
    this.#state = 'removed';
    this.#atr = this.#powerUp();
    this.#state = 'open';
  }

  #powerUp(): Uint8Array {
    try {
      return this.endpoint.reset();
    } catch (error) {
      throw new TransportError('no-card', 'the card does not answer to reset', {cause: error});
    }
  }

  /** Powers the card off (which is more than the reset `close` may ask for). Closing twice is harmless. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    try {
      this.endpoint.powerOff();
    } catch {
      // A torn card has no power to switch off.
    }
  }
}
