import {PcscReaders, type ReaderStatus} from '../../apdu/transports/pcsc.js';
import type {TraceSink} from '../../apdu/trace.js';
import type {CardPort, CardReaders} from '../ports.js';
import type {ReaderView} from '../state.js';
import {openCard} from './open-card.js';

function viewOf(status: ReaderStatus): ReaderView {
  return {name: status.name, hasCard: status.hasCard};
}

/**
 * The engine's readers over PC/SC (pcscd through pcsc-lite's client library), each card opened as a PIV card.
 * The PC/SC context is established on first use, so a missing pcscd shows as the engine's error (with its way
 * forward) instead of failing at start-up. Errors: TransportError 'pcsclite-missing', 'pcscd-not-running',
 * 'access-denied', 'no-reader', 'no-card', 'reader-busy'; CardNotPivError and CardAlreadyNewError from opening the card.
 */
export class PcscCardReaders implements CardReaders {
  readonly #trace: TraceSink | undefined;
  #pcsc: Promise<PcscReaders> | undefined;

  constructor(options: {trace?: TraceSink} = {}) {
    this.#trace = options.trace;
  }

  async list(): Promise<readonly ReaderView[]> {
    return (await (await this.#readers()).list()).map(viewOf);
  }

  watch(onChange: (readers: readonly ReaderView[]) => void, onError: (error: unknown) => void): () => void {
    let stop: (() => void) | undefined;
    let isStopped = false;
    this.#readers().then((readers) => {
      if (!isStopped) stop = readers.watch((statuses) => onChange(statuses.map(viewOf)), onError);
    }, onError);
    return () => {
      isStopped = true;
      stop?.();
    };
  }

  async open(readerName: string): Promise<CardPort> {
    const transport = await (await this.#readers()).connect(readerName);
    return openCard(transport, {trace: this.#trace});
  }

  /** Releases the PC/SC context (its threads keep the process alive until then). */
  async close(): Promise<void> {
    const pcsc = this.#pcsc;
    this.#pcsc = undefined;
    (await pcsc?.catch(() => undefined))?.close();
  }

  #readers(): Promise<PcscReaders> {
    this.#pcsc ??= PcscReaders.open().catch((error: unknown) => {
      this.#pcsc = undefined;
      throw error;
    });
    return this.#pcsc;
  }
}
