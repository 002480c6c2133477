import {TransportError} from '../../../source/apdu/transports/errors.js';
import type {Transport} from '../../../source/apdu/transports/transport.js';

/** How another program's reset shows to this tool. */
export type ResetKind =
  /** As PC/SC reports it: every command fails with TransportError 'card-reset' until reconnect (SCARD_W_RESET_CARD). */
  | 'reported'
  /** Unreported (a transport that lost the warning): the commands reach a card with nothing selected or verified. */
  | 'silent';

/**
 * A transport to the world's card through which "another program" can reset the card between two of this tool's
 * commands, as yubico-piv-tool and many middlewares do when they disconnect. The reset itself is the inner
 * transport's reconnect (the virtual card forgets its selected applet and every verified PIN and key).
 */
export class ResettingTransport implements Transport {
  readonly #inner: Transport;
  #due: ResetKind | undefined;
  #isReported = false;
  #always: ResetKind | undefined;
  /** Resets done so far. */
  resets = 0;

  constructor(inner: Transport) {
    this.#inner = inner;
  }

  get readerName(): string {
    return this.#inner.readerName;
  }

  get atr(): Uint8Array {
    return this.#inner.atr;
  }

  /** Another program resets the card before this tool's next command. */
  resetBeforeNextCommand(kind: ResetKind): void {
    this.#due = kind;
  }

  /** Another program resets the card before every command of this tool (`undefined`: it stops). */
  resetBeforeEveryCommand(kind: ResetKind | undefined): void {
    this.#always = kind;
  }

  async transmit(apdu: Uint8Array): Promise<Uint8Array> {
    const due = this.#due ?? this.#always;
    if (due !== undefined) {
      this.#due = undefined;
      this.resets++;
      await this.#inner.reconnect();
      this.#isReported = due === 'reported';
    }
    if (this.#isReported) throw new TransportError('card-reset', 'another program reset the card');
    return this.#inner.transmit(apdu);
  }

  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.#inner.exclusive(work);
  }

  async reconnect(): Promise<void> {
    this.#isReported = false;
    await this.#inner.reconnect();
  }

  close(options?: {readonly reset?: boolean}): Promise<void> {
    return this.#inner.close(options);
  }
}

/** A world option that puts each transport the engine opens behind a ResettingTransport; `current` is the last. */
export function resettingTransports(): {
  readonly wrapTransport: (transport: Transport) => Transport;
  readonly current: () => ResettingTransport;
} {
  let last: ResettingTransport | undefined;
  return {
    wrapTransport: (transport) => (last = new ResettingTransport(transport)),
    current: () => {
      if (last === undefined) throw new Error('no card was opened yet');
      return last;
    },
  };
}
