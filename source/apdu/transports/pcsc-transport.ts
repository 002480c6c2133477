import {TransportError} from './errors.js';
import {pcscFailure, ScardCode, scardCodeOf} from './pcsc-failure.js';
import type {Transport} from './transport.js';
import {PROTOCOL_T0, type CardHandle, type Context, type Protocol, type Winscard} from './winscard.js';

/** The transmission protocol PC/SC negotiated with the card. T=0 cards take no extended APDUs. */
export type CardProtocol = 'T=0' | 'T=1';

export interface PcscTransportOptions {
  /**
   * How long a card step waits for its turn while another program holds the card (a transaction of its own, an
   * exclusive connection, a command still running for a program that was killed); default 20 000 ms, longer
   * than one RSA-2048 key generation on a slow card.
   */
  readonly busyTimeoutMs?: number;
}

const DEFAULT_BUSY_TIMEOUT_MS = 20_000;
const BUSY_RETRY_FIRST_MS = 25;
const BUSY_RETRY_MAX_MS = 500;

/** A connected card: its handle and what PC/SC negotiated. */
type Connected = {
  readonly card: CardHandle;
  protocol: Protocol;
  atr: Uint8Array;
};

/**
 * A card in a PC/SC reader, connected SHARED on a PC/SC context of its own. Other programs may use the card
 * between steps; each step holds it with a PC/SC transaction (SCardBeginTransaction / SCardEndTransaction):
 * `exclusive(work)` for a multi-APDU step, and every lone `transmit` in a transaction of its own. The card keeps
 * its state (selected application, verified PIN) across transactions unless another program resets it, which the
 * next step reports as `card-reset`. Waiting for another program's transaction is bounded by `busyTimeoutMs`;
 * PC/SC cannot cancel a wait, so a wait given up on finishes by itself and is undone (the transaction ended, the
 * connection released). Operations run one at a time. Create it with {@link PcscReaders.connect}.
 */
export class PcscTransport implements Transport {
  #connected: Connected | undefined;
  #isClosed = false;
  #transactionDepth = 0;
  /** Why the card is not connected: what `transmit` reports until a reconnect succeeds. */
  #lostWith: TransportError | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly winscard: Winscard,
    private readonly context: Context,
    readonly readerName: string,
    private readonly options: PcscTransportOptions,
  ) {}

  /**
   * @internal Use {@link PcscReaders.connect}. Connects SHARED with T=0 or T=1 on a context of its own. Rejects
   * as {@link reconnect}.
   */
  static async open(
    winscard: Winscard,
    readerName: string,
    options: PcscTransportOptions = {},
  ): Promise<PcscTransport> {
    let context: Context;
    try {
      context = winscard.establishContext();
    } catch (error) {
      throw pcscFailure(error, 'context');
    }
    const transport = new PcscTransport(winscard, context, readerName, options);
    try {
      await transport.#enqueueBounded((isAbandoned) => transport.#connect(isAbandoned), 'connect');
    } catch (error) {
      transport.#isClosed = true;
      // After the connect, which may still be waiting for another program: releasing a context in use blocks.
      void transport.#enqueue(async () => transport.#release());
      throw error;
    }
    return transport;
  }

  /** The ATR of the current card session (SCardStatus at connect and reconnect). */
  get atr(): Uint8Array {
    return this.#connected?.atr ?? new Uint8Array();
  }

  /** The negotiated protocol; T=0 cannot carry extended APDUs (use short APDUs with chaining). */
  get protocol(): CardProtocol {
    return this.#connected?.protocol === PROTOCOL_T0 ? 'T=0' : 'T=1';
  }

  /**
   * Sends one APDU, in a transaction of its own unless an `exclusive` step is running. Rejects with TransportError
   * `card-removed` (removed or torn mid-command, no answer; also after the reader went away), `card-reset`
   * (another program reset the card: `reconnect`, select and verify again), `pcscd-not-running`, `reader-busy`
   * (another program held the card longer than `busyTimeoutMs`) or `transport-failed`, the last also after `close`.
   */
  transmit(apdu: Uint8Array): Promise<Uint8Array> {
    if (this.#transactionDepth === 0) return this.exclusive(() => this.transmit(apdu));
    return this.#enqueue(async () => {
      const {card, protocol} = this.#assertConnected();
      let response: Uint8Array;
      try {
        response = await this.winscard.transmit(card, protocol, apdu);
      } catch (error) {
        throw this.#lose(pcscFailure(error, 'transmit', this.readerName));
      }
      // Every answer ends in SW1 SW2; nothing means the card went away mid-command (vpcd reports it so).
      if (response.length < 2)
        throw new TransportError(
          'card-removed',
          `The card in the reader "${this.readerName}" gave no answer in the middle of a command (removed?): insert it again to continue`,
        );
      return response;
    });
  }

  /**
   * Runs `work` inside one PC/SC transaction, so that no other program's command comes between its APDUs (nested
   * calls just run `work`). Waits up to `busyTimeoutMs` for another program's transaction to end, then rejects
   * with TransportError `reader-busy`; a reset by another program since the last step rejects with `card-reset`.
   * `work` must not wait for a person or the network (docs/architecture.md, invariant 7).
   */
  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    if (this.#transactionDepth > 0) return work();
    await this.#enqueueBounded((isAbandoned) => this.#begin(isAbandoned), 'transaction');
    this.#transactionDepth++;
    try {
      return await work();
    } finally {
      this.#transactionDepth--;
      await this.#enqueue(() => this.#end());
    }
  }

  /**
   * Connects again (after `card-reset`, or a re-insert after `card-removed`): SCardReconnect when the connection
   * still stands, else a new connection. The card's volatile state may be gone: the caller selects and verifies
   * again. Rejects with TransportError `no-card`, `no-reader`, `reader-busy`, `pcscd-not-running` (also when pcscd
   * was restarted: open a new {@link PcscReaders}), `access-denied`, or `transport-failed` after `close`.
   */
  reconnect(): Promise<void> {
    return this.#enqueueBounded(async (isAbandoned) => {
      this.#assertOpen();
      const connected = this.#connected;
      if (connected) {
        try {
          connected.protocol = await this.winscard.reconnect(connected.card);
          connected.atr = (await this.winscard.status(connected.card)).atr;
          this.#lostWith = undefined;
          return;
        } catch {
          // The card left the reader since: a new connection finds the card inserted now, if any.
          await this.#disconnect('leave');
        }
      }
      await this.#connect(isAbandoned);
    }, 'connect');
  }

  /**
   * Disconnects, leaving the card powered for the next program (SCARD_LEAVE_CARD), or resetting it with `reset`
   * (SCARD_RESET_CARD: the card forgets every verified PIN), and releases the context. Waits at most
   * `busyTimeoutMs` for a step still waiting on another program; closing twice is harmless.
   */
  async close(options: {readonly reset?: boolean} = {}): Promise<void> {
    if (this.#isClosed) return;
    this.#isClosed = true;
    await this.#enqueueBounded(async () => {
      await this.#disconnect(options.reset === true ? 'reset' : 'leave');
      this.#release();
    }, 'close').catch(() => undefined);
  }

  async #begin(isAbandoned: () => boolean): Promise<void> {
    const {card} = this.#assertConnected();
    try {
      await this.winscard.beginTransaction(card);
    } catch (error) {
      throw this.#lose(pcscFailure(error, 'transmit', this.readerName));
    }
    // Given up on while waiting: the caller has had its reader-busy answer, so the late transaction ends here.
    if (isAbandoned()) {
      await this.winscard.endTransaction(card).catch(() => undefined);
      throw this.#busy('transaction');
    }
  }

  async #end(): Promise<void> {
    const connected = this.#connected;
    // A card removed or reset inside the transaction ends it on pcscd's side; nothing is left to end.
    if (connected) await this.winscard.endTransaction(connected.card).catch(() => undefined);
  }

  /** Connects SHARED, retrying while another program holds the card exclusively; undoes a connect given up on. */
  async #connect(isAbandoned: () => boolean): Promise<void> {
    for (let delay = BUSY_RETRY_FIRST_MS; ; delay = Math.min(delay * 2, BUSY_RETRY_MAX_MS)) {
      this.#assertOpen();
      try {
        const {card, protocol} = await this.winscard.connect(this.context, this.readerName, 'shared');
        if (isAbandoned()) {
          await this.winscard.disconnect(card, 'leave').catch(() => undefined);
          throw this.#busy('connect');
        }
        const {atr} = await this.winscard.status(card);
        this.#connected = {card, protocol, atr};
        this.#lostWith = undefined;
        return;
      } catch (error) {
        if (error instanceof TransportError) throw error;
        if (scardCodeOf(error) !== ScardCode.SharingViolation || isAbandoned())
          throw this.#lose(pcscFailure(error, 'connect', this.readerName));
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /** SCardDisconnect; a failure (the card or pcscd already gone) leaves nothing to release, so it is ignored. */
  async #disconnect(disposition: 'leave' | 'reset'): Promise<void> {
    const connected = this.#connected;
    this.#connected = undefined;
    if (connected) await this.winscard.disconnect(connected.card, disposition).catch(() => undefined);
  }

  /** SCardReleaseContext, once no call on the context is waiting: pcsc-lite would block until it returns. */
  #release(): void {
    try {
      this.winscard.releaseContext(this.context);
    } catch {
      // pcscd already gone: nothing to release.
    }
  }

  /** Keeps a failure that ends the connection (card removed, pcscd gone) for the next `transmit` to report. */
  #lose(failure: TransportError): TransportError {
    if (failure.code === 'card-removed' || failure.code === 'pcscd-not-running') this.#lostWith = failure;
    return failure;
  }

  #busy(waitingFor: 'connect' | 'transaction' | 'close'): TransportError {
    const milliseconds = this.#busyTimeoutMs();
    const seconds = (milliseconds / 1000).toFixed(milliseconds < 10_000 ? 1 : 0);
    return new TransportError(
      'reader-busy',
      `Another program held the card in the reader "${this.readerName}" for ${seconds} s while this tool waited to ${waitingFor === 'connect' ? 'connect' : 'use it'} (pcscd does not say which program): close programs that use the card (a browser, other smart card software) and try again`,
    );
  }

  #busyTimeoutMs(): number {
    return this.options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  }

  #assertOpen(): void {
    if (this.#isClosed) throw new TransportError('transport-failed', 'The card connection is closed');
  }

  #assertConnected(): Connected {
    this.#assertOpen();
    if (this.#lostWith) throw this.#lostWith;
    if (!this.#connected)
      throw new TransportError('card-removed', 'The card is not connected: insert it and reconnect');
    return this.#connected;
  }

  #enqueue<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(operation);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  /**
   * Queues `operation` and answers within `busyTimeoutMs`: when it has not finished by then (another program holds
   * the card), the caller gets `reader-busy` while the operation, told by `isAbandoned`, finishes and undoes itself.
   */
  #enqueueBounded<T>(
    operation: (isAbandoned: () => boolean) => Promise<T>,
    waitingFor: 'connect' | 'transaction' | 'close',
  ): Promise<T> {
    let isAbandoned = false;
    const result = this.#enqueue(() => {
      if (isAbandoned) throw this.#busy(waitingFor);
      return operation(() => isAbandoned);
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        isAbandoned = true;
        reject(this.#busy(waitingFor));
      }, this.#busyTimeoutMs());
    });
    return Promise.race([result, timeout]).finally(() => clearTimeout(timer));
  }
}
