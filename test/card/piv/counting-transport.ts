import type {Transport} from '../../../source/apdu/transports/transport.js';

/**
 * A transport that counts the APDUs that reach the card (chained pieces and GET RESPONSE each count) and keeps
 * their instruction bytes, around a real transport.
 */
export class CountingTransport implements Transport {
  /** INS of every APDU sent since the last {@link take}. */
  #sent: number[] = [];

  constructor(readonly inner: Transport) {}

  get readerName(): string {
    return this.inner.readerName;
  }

  get atr(): Uint8Array {
    return this.inner.atr;
  }

  /** The number of APDUs since the last call, and starts counting again. */
  take(): number {
    return this.takeInstructions().length;
  }

  /** The INS bytes (as two hex digits) of the APDUs since the last call, and starts counting again. */
  takeInstructions(): string[] {
    const sent = this.#sent.map((ins) => ins.toString(16).toUpperCase().padStart(2, '0'));
    this.#sent = [];
    return sent;
  }

  transmit(apdu: Uint8Array): Promise<Uint8Array> {
    this.#sent.push(apdu[1]!);
    return this.inner.transmit(apdu);
  }

  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.inner.exclusive(work);
  }

  reconnect(): Promise<void> {
    return this.inner.reconnect();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
