import {TransportError} from './errors.js';
import {pcscFailure, ScardCode, scardCodeOf} from './pcsc-failure.js';
import {PcscTransport, type PcscTransportOptions} from './pcsc-transport.js';
import {
  loadWinscard,
  PNP_NOTIFICATION,
  STATE_CHANGED,
  STATE_PRESENT,
  STATE_UNAVAILABLE,
  STATE_UNAWARE,
  STATE_UNKNOWN,
  type Context,
  type Winscard,
} from './winscard.js';

export {PcscTransport, type CardProtocol, type PcscTransportOptions} from './pcsc-transport.js';

/** A reader as PC/SC reports it now. */
export interface ReaderStatus {
  readonly name: string;
  readonly hasCard: boolean;
  /** The card's ATR; empty without a card. */
  readonly atr: Uint8Array;
}

export interface PcscReadersOptions extends PcscTransportOptions {
  /** Replaces the file name of the PC/SC library, libpcsclite.so.1 (tests). */
  readonly library?: string;
  /** How long a watcher waits before trying pcscd again after losing it, at first; doubled up to 2 s. */
  readonly retryDelayMs?: number;
}

type Watcher = {
  readonly onChange: (readers: readonly ReaderStatus[]) => void;
  readonly onError: (error: TransportError) => void;
};

type ReaderEntry = {
  /** The last SCARD_STATE_* word without SCARD_STATE_CHANGED: what the next wait starts from. */
  readonly state: number;
  readonly atr: Uint8Array;
};

/** One PC/SC context (SCardEstablishContext) watched by one loop of SCardGetStatusChange. */
type Session = {
  /** Undefined when establishing it failed. */
  readonly context: Context | undefined;
  /** The readers of the last listing whose state is known, undefined before the first. */
  names: readonly string[] | undefined;
  readonly entries: Map<string, ReaderEntry>;
  failure: TransportError | undefined;
};

const RETRY_MAX_MS = 2000;
/** The longest single SCardGetStatusChange wait; a change ends it at once. */
const WAIT_SLICE_MS = 2000;

/**
 * The PC/SC readers of this machine, through pcsc-lite's client library: list, watch (readers coming and going,
 * cards inserted and removed) and connect. A loop of SCardGetStatusChange on a context of its own follows every
 * reader and pcsc-lite's reader notification. Clients reach pcscd's socket from PCSCLITE_CSOCK_NAME when set
 * (libpcsclite reads it once per process, at the first context). When pcscd goes away, `list` and `connect`
 * establish a new context on their next call and watchers retry with backoff; transports from the lost pcscd
 * fail with `pcscd-not-running` and must be connected again.
 */
export class PcscReaders {
  #session: Session | undefined;
  #isClosed = false;
  readonly #watchers = new Set<Watcher>();
  #waiters: Array<() => void> = [];
  #retryTimer: NodeJS.Timeout | undefined;
  #retryDelayMs: number;
  #lastReported = '';

  private constructor(
    private readonly winscard: Winscard,
    private readonly options: PcscReadersOptions,
  ) {
    this.#retryDelayMs = options.retryDelayMs ?? 250;
  }

  /**
   * Loads the PC/SC library and establishes a PC/SC context. Rejects with TransportError `pcsclite-missing`,
   * `pcscd-not-running` or `access-denied`.
   */
  static async open(options: PcscReadersOptions = {}): Promise<PcscReaders> {
    const readers = new PcscReaders(await loadWinscard(options.library), options);
    const {failure} = readers.#establish();
    if (failure) throw failure;
    return readers;
  }

  /**
   * The readers now, once each has reported its state. Rejects with TransportError `pcscd-not-running`,
   * `access-denied` or `transport-failed` (closed). No reader is an empty list, not an error.
   */
  async list(): Promise<readonly ReaderStatus[]> {
    return this.#snapshot(await this.#settled());
  }

  /**
   * Calls `onChange` with every reader's status now and whenever a reader or card comes or goes. When pcscd goes
   * away, `onError` gets TransportError `pcscd-not-running` (or `access-denied`) and the watcher keeps trying, with
   * backoff, to reach pcscd again. Returns a function that stops watching.
   */
  watch(
    onChange: (readers: readonly ReaderStatus[]) => void,
    onError: (error: TransportError) => void,
  ): () => void {
    const watcher: Watcher = {onChange, onError};
    this.#watchers.add(watcher);
    this.#settled().then(
      (session) => this.#watchers.has(watcher) && onChange(this.#snapshot(session)),
      (error: unknown) => {
        if (this.#watchers.has(watcher) && error instanceof TransportError && !this.#isClosed) {
          onError(error);
          this.#scheduleRetry();
        }
      },
    );
    return () => {
      this.#watchers.delete(watcher);
    };
  }

  /**
   * Connects SHARED to the card in `readerName`. Rejects with TransportError `no-reader` (no such reader),
   * `no-card`, `reader-busy` (another program holds it exclusively), `pcscd-not-running`, `access-denied`.
   */
  async connect(readerName: string): Promise<PcscTransport> {
    const session = await this.#settled();
    if (!session.names?.includes(readerName))
      throw new TransportError(
        'no-reader',
        `There is no reader named "${readerName}": connect it or choose another reader`,
      );
    return PcscTransport.open(this.winscard, readerName, this.options);
  }

  /**
   * Stops watching and releases the PC/SC context; until then the waiting SCardGetStatusChange keeps the process
   * alive. Transports have contexts of their own and stay usable; close them on their own.
   */
  close(): void {
    this.#isClosed = true;
    clearTimeout(this.#retryTimer);
    this.#watchers.clear();
    this.#release();
    this.#wake();
  }

  /** The current session once its listing and every reader's first status are in; re-establishes a lost one. */
  async #settled(): Promise<Session> {
    for (;;) {
      if (this.#isClosed) throw new TransportError('transport-failed', 'The reader list is closed');
      const session = this.#session?.failure ? this.#establish() : (this.#session ?? this.#establish());
      if (session.failure) throw session.failure;
      if (isSettled(session)) return session;
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** Establishes a new PC/SC context and starts following its readers; a failure is kept on the session. */
  #establish(): Session {
    this.#release();
    let context: Context;
    try {
      context = this.winscard.establishContext();
    } catch (error) {
      this.#session = {
        context: undefined,
        names: undefined,
        entries: new Map(),
        failure: pcscFailure(error, 'context'),
      };
      return this.#session;
    }
    const session: Session = {context, names: undefined, entries: new Map(), failure: undefined};
    this.#session = session;
    this.#follow(session, context)
      .catch((error: unknown) => this.#lose(session, error))
      .finally(() => this.#releaseContext(context));
    return session;
  }

  /**
   * Lists the readers, then waits until one of them or the list changes, over and over: the first wait, with every
   * reader UNAWARE, answers at once with their states. Ends when the session is replaced or its context fails.
   */
  async #follow(session: Session, context: Context): Promise<void> {
    while (session === this.#session) {
      const names = await this.winscard.listReaders(context);
      for (const name of session.entries.keys()) if (!names.includes(name)) session.entries.delete(name);
      if (names.every((name) => session.entries.has(name))) {
        session.names = names;
        this.#changed();
      }
      if (session !== this.#session) return;
      const queries = names.map((name) => ({
        name,
        currentState: session.entries.get(name)?.state ?? STATE_UNAWARE,
      }));
      queries.push({name: PNP_NOTIFICATION, currentState: names.length << 16});
      // Bounded, so that a cancel that came just before the wait began ends the loop all the same.
      const events = (await this.winscard.getStatusChange(context, queries, WAIT_SLICE_MS)) ?? [];
      if (session !== this.#session) return;
      for (const {name, eventState, atr} of events) {
        if (name === PNP_NOTIFICATION) continue;
        if (eventState & (STATE_UNKNOWN | STATE_UNAVAILABLE)) session.entries.delete(name);
        else
          session.entries.set(name, {
            state: eventState & ~STATE_CHANGED,
            atr: eventState & STATE_PRESENT ? atr : new Uint8Array(),
          });
      }
      session.names = names.filter((name) => session.entries.has(name));
      this.#changed();
    }
  }

  #lose(session: Session, error: unknown): void {
    if (session !== this.#session || this.#isClosed) return;
    // SCardCancel from our own release of the context.
    if (scardCodeOf(error) === ScardCode.Cancelled) return;
    session.failure = pcscFailure(error, 'context');
    this.#wake();
    for (const watcher of this.#watchers) watcher.onError(session.failure);
    this.#lastReported = '';
    this.#scheduleRetry();
  }

  #scheduleRetry(): void {
    if (this.#retryTimer !== undefined || this.#watchers.size === 0 || this.#isClosed) return;
    const delay = this.#retryDelayMs;
    this.#retryDelayMs = Math.min(delay * 2, RETRY_MAX_MS);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      if (this.#watchers.size === 0 || this.#isClosed) return;
      const session = this.#session?.failure || !this.#session ? this.#establish() : this.#session;
      if (session.failure) this.#scheduleRetry();
      else this.#retryDelayMs = this.options.retryDelayMs ?? 250;
    }, delay);
  }

  #changed(): void {
    this.#wake();
    const session = this.#session;
    if (!session || !isSettled(session) || this.#watchers.size === 0) return;
    const readers = this.#snapshot(session);
    const report = JSON.stringify(readers.map(({name, hasCard, atr}) => [name, hasCard, Array.from(atr)]));
    if (report === this.#lastReported) return;
    this.#lastReported = report;
    for (const watcher of this.#watchers) watcher.onChange(readers);
  }

  #snapshot(session: Session): readonly ReaderStatus[] {
    return (session.names ?? []).flatMap((name) => {
      const entry = session.entries.get(name);
      if (!entry) return [];
      const hasCard = Boolean(entry.state & STATE_PRESENT);
      return [{name, hasCard, atr: entry.atr}];
    });
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /** Ends the session: its wait is cancelled, and its loop releases the context once the wait has returned. */
  #release(): void {
    const context = this.#session?.context;
    this.#session = undefined;
    if (context === undefined) return;
    try {
      this.winscard.cancel(context);
    } catch {
      // pcscd already gone: the wait has failed by itself.
    }
  }

  /** SCardReleaseContext; called with no call waiting on the context, since pcsc-lite would block until it returns. */
  #releaseContext(context: Context): void {
    try {
      this.winscard.releaseContext(context);
    } catch {
      // pcscd already gone: nothing to release.
    }
  }
}

function isSettled(session: Session): boolean {
  return session.names !== undefined;
}
