import {TransportError} from './errors.js';
import {pcscFailure, ScardCode, scardCodeOf} from './pcsc-failure.js';
import type {PcscLiteReader} from './pcsc-library.js';
import type {Transport} from './transport.js';

/** The transmission protocol PC/SC negotiated with the card. T=0 cards take no extended APDUs. */
export type CardProtocol = 'T=0' | 'T=1';

/** What a transport reads from its reader's watcher: the card's current ATR. */
export interface ReaderAtrSource {
  readonly atr: Uint8Array;
}

export interface PcscTransportOptions {
  /** How long `exclusive` (and connecting) waits for another program to let go of the card; default 5000 ms. */
  readonly busyTimeoutMs?: number;
}

/** The longest answer a card gives: an extended Ne of 65536 bytes and SW1 SW2. */
const MAX_RESPONSE_LENGTH = 65_536 + 2;
const BUSY_RETRY_FIRST_MS = 25;
const BUSY_RETRY_MAX_MS = 500;

type ShareMode = 'shared' | 'exclusive';

/**
 * A card in a PC/SC reader, through pcsclite. Connected SHARED (other programs may read the card between
 * steps); `exclusive(work)` reconnects EXCLUSIVE for the step. pcsclite 1.0 binds neither SCardBeginTransaction
 * nor SCardReconnect, so the switch is SCardDisconnect(SCARD_LEAVE_CARD) + SCardConnect: LEAVE_CARD keeps the
 * card powered with its state (selected application, verified PIN), and while exclusive no other program can
 * connect, let alone reset the card. A program that slips in during the switch and resets the card makes the
 * step's first command fail with its security status (6982), never a silent write. Operations run one at a time.
 * Create it with {@link PcscReaders.connect}.
 */
export class PcscTransport implements Transport {
  #protocol = 0;
  #mode: ShareMode = 'shared';
  #isConnected = false;
  #isClosed = false;
  #exclusiveDepth = 0;
  /** Why the last connect failed, while disconnected: what `transmit` reports until a connect succeeds. */
  #lostWith: TransportError | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  /** @internal Use {@link PcscReaders.connect}. */
  constructor(
    private readonly reader: PcscLiteReader,
    private readonly status: ReaderAtrSource,
    private readonly options: PcscTransportOptions = {},
  ) {}

  get readerName(): string {
    return this.reader.name;
  }

  /** The ATR the reader reported for the current card. */
  get atr(): Uint8Array {
    return this.status.atr;
  }

  /** The negotiated protocol; T=0 cannot carry extended APDUs (use short APDUs with chaining). */
  get protocol(): CardProtocol {
    return this.#protocol === this.reader.SCARD_PROTOCOL_T0 ? 'T=0' : 'T=1';
  }

  /** @internal Connects SHARED with T=0 or T=1. Rejects as {@link reconnect}. */
  open(): Promise<void> {
    return this.#enqueue(() => this.#connect('shared'));
  }

  /**
   * Sends one APDU. Rejects with TransportError `card-removed` (removed or torn mid-command, no answer; also after
   * the reader went away), `card-reset` (another program reset the card: `reconnect`, select and verify again),
   * `pcscd-not-running`, `reader-busy` or `transport-failed`, the last also after `close`.
   */
  transmit(apdu: Uint8Array): Promise<Uint8Array> {
    return this.#enqueue(async () => {
      this.#assertConnected();
      const response = await new Promise<Buffer>((resolve, reject) => {
        this.reader.transmit(Buffer.from(apdu), MAX_RESPONSE_LENGTH, this.#protocol, (error, data) => {
          if (error) reject(pcscFailure(error, 'transmit', this.readerName));
          else resolve(data ?? Buffer.alloc(0));
        });
      });
      // Every answer ends in SW1 SW2; nothing means the card went away mid-command (vpcd reports it so).
      if (response.length < 2)
        throw new TransportError(
          'card-removed',
          `The card in the reader "${this.readerName}" gave no answer in the middle of a command (removed?): insert it again to continue`,
        );
      return new Uint8Array(response);
    });
  }

  /**
   * Runs `work` with the card connected EXCLUSIVE, then returns to SHARED (nested calls just run `work`). Waits up
   * to `busyTimeoutMs` while another program holds the card, then rejects with TransportError `reader-busy`;
   * also rejects as {@link reconnect} does. When returning to shared fails (card removed), `work`'s result still
   * comes back and the next `transmit` rejects with the reason until `reconnect`.
   */
  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    if (this.#exclusiveDepth > 0) return work();
    await this.#enqueue(() => this.#switchTo('exclusive'));
    this.#exclusiveDepth++;
    try {
      return await work();
    } finally {
      this.#exclusiveDepth--;
      // A failure leaves the transport disconnected with the reason, which the next transmit reports.
      await this.#enqueue(() => this.#switchTo('shared')).catch(() => undefined);
    }
  }

  /**
   * Connects again (after `card-reset`, or a re-insert after `card-removed`), keeping the share mode. The card's
   * volatile state may be gone: the caller selects and verifies again. Rejects with TransportError `no-card`,
   * `no-reader`, `reader-busy`, `pcscd-not-running` (also when pcscd was restarted: open a new
   * {@link PcscReaders}), `access-denied`, or `transport-failed` after `close`.
   */
  reconnect(): Promise<void> {
    return this.#enqueue(async () => {
      this.#assertOpen();
      await this.#disconnect();
      await this.#connect(this.#mode);
    });
  }

  /**
   * Disconnects, leaving the card powered for the next program (SCARD_LEAVE_CARD), or resetting it with `reset`
   * (SCARD_RESET_CARD: the card forgets every verified PIN). Closing twice is harmless.
   */
  close(options: {readonly reset?: boolean} = {}): Promise<void> {
    return this.#enqueue(async () => {
      if (this.#isClosed) return;
      this.#isClosed = true;
      await this.#disconnect(options.reset === true ? 'reset' : 'leave');
    });
  }

  async #switchTo(mode: ShareMode): Promise<void> {
    this.#assertConnected();
    if (mode === this.#mode) return;
    await this.#disconnect();
    try {
      await this.#connect(mode);
    } catch (error) {
      // Exclusive refused: fall back to a shared connection so the session goes on between steps.
      if (mode === 'exclusive') await this.#connect('shared').catch(() => undefined);
      throw error;
    }
  }

  /** Connects in `mode`, retrying while another program holds the card, up to `busyTimeoutMs`. */
  async #connect(mode: ShareMode): Promise<void> {
    const deadline = Date.now() + (this.options.busyTimeoutMs ?? 5000);
    for (let delay = BUSY_RETRY_FIRST_MS; ; delay = Math.min(delay * 2, BUSY_RETRY_MAX_MS)) {
      try {
        this.#protocol = await this.#connectOnce(mode);
        this.#mode = mode;
        this.#isConnected = true;
        this.#lostWith = undefined;
        return;
      } catch (error) {
        if (scardCodeOf(error) !== ScardCode.SharingViolation || Date.now() + delay > deadline) {
          this.#lostWith = pcscFailure(error, 'connect', this.readerName);
          throw this.#lostWith;
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  #connectOnce(mode: ShareMode): Promise<number> {
    const reader = this.reader;
    const options = {
      share_mode: mode === 'exclusive' ? reader.SCARD_SHARE_EXCLUSIVE : reader.SCARD_SHARE_SHARED,
      protocol: reader.SCARD_PROTOCOL_T0 | reader.SCARD_PROTOCOL_T1,
    };
    return new Promise((resolve, reject) => {
      reader.connect(options, (error, protocol) => {
        if (error) reject(error);
        else resolve(protocol ?? reader.SCARD_PROTOCOL_T1);
      });
    });
  }

  /**
   * SCardDisconnect(SCARD_LEAVE_CARD, or SCARD_RESET_CARD for `reset`). A failure (the card or pcscd already gone)
   * leaves nothing to release that a new connection needs, so it is ignored, and pcsclite's `connected` flag is
   * cleared so the next connect runs.
   */
  async #disconnect(disposition: 'leave' | 'reset' = 'leave'): Promise<void> {
    if (!this.#isConnected) return;
    this.#isConnected = false;
    const reader = this.reader;
    await new Promise<void>((resolve) => {
      reader.disconnect(disposition === 'reset' ? reader.SCARD_RESET_CARD : reader.SCARD_LEAVE_CARD, () =>
        resolve(),
      );
    });
    this.reader.connected = false;
  }

  #assertOpen(): void {
    if (this.#isClosed) throw new TransportError('transport-failed', 'The card connection is closed');
  }

  #assertConnected(): void {
    this.#assertOpen();
    if (!this.#isConnected)
      throw (
        this.#lostWith ??
        new TransportError('card-removed', 'The card is not connected: insert it and reconnect')
      );
  }

  #enqueue<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(operation);
    this.#queue = result.catch(() => undefined);
    return result;
  }
}
