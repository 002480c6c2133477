import {TransportError} from './errors.js';
import {pcscFailure, ScardCode, scardCodeOf} from './pcsc-failure.js';
import {loadPcscLite, type PcscLite, type PcscLiteContext, type PcscLiteReader} from './pcsc-library.js';
import {PcscTransport, type PcscTransportOptions} from './pcsc-transport.js';

export {PcscTransport, type CardProtocol, type PcscTransportOptions} from './pcsc-transport.js';

/** A reader as PC/SC reports it now. */
export interface ReaderStatus {
  readonly name: string;
  readonly hasCard: boolean;
  /** The card's ATR; empty without a card. */
  readonly atr: Uint8Array;
}

export interface PcscReadersOptions extends PcscTransportOptions {
  /** Replaces the import of the pcsclite module (tests). */
  readonly load?: () => Promise<unknown>;
  /** How long a watcher waits before trying pcscd again after losing it, at first; doubled up to 2 s. */
  readonly retryDelayMs?: number;
}

type Watcher = {
  readonly onChange: (readers: readonly ReaderStatus[]) => void;
  readonly onError: (error: TransportError) => void;
};

type ReaderEntry = {
  readonly reader: PcscLiteReader;
  /** The last SCARD_STATE_* word, undefined until the reader's first status arrives. */
  state: number | undefined;
  atr: Uint8Array;
};

/** One PC/SC context (SCardEstablishContext) and what it knows of the readers. */
type Session = {
  /** Undefined when establishing it failed. */
  readonly context: PcscLiteContext | undefined;
  /** The readers of the last listing, undefined before the first one. */
  names: readonly string[] | undefined;
  readonly entries: Map<string, ReaderEntry>;
  failure: TransportError | undefined;
};

const RETRY_MAX_MS = 2000;

/**
 * The PC/SC readers of this machine, through the optional `pcsclite` module: list, watch (readers coming and
 * going, cards inserted and removed) and connect. Clients reach pcscd's socket from PCSCLITE_CSOCK_NAME when set
 * (libpcsclite reads it once per process, at the first context). When pcscd goes away, `list` and `connect`
 * establish a new context on their next call and watchers retry with backoff; transports from the lost context
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
    private readonly pcsc: PcscLite,
    private readonly options: PcscReadersOptions,
  ) {
    this.#retryDelayMs = options.retryDelayMs ?? 250;
  }

  /**
   * Loads pcsclite and establishes a PC/SC context. Rejects with TransportError `pcsclite-missing`,
   * `pcscd-not-running` or `access-denied`.
   */
  static async open(options: PcscReadersOptions = {}): Promise<PcscReaders> {
    const readers = new PcscReaders(await loadPcscLite(options.load), options);
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
    const entry = session.entries.get(readerName);
    if (!entry || !session.names?.includes(readerName))
      throw new TransportError(
        'no-reader',
        `There is no reader named "${readerName}": connect it or choose another reader`,
      );
    const transport = new PcscTransport(entry.reader, entry, this.options);
    await transport.open();
    return transport;
  }

  /**
   * Stops watching and releases the PC/SC context; until then pcsclite's threads keep the process alive. Transports
   * stay usable (their ATR no longer follows the reader); close them on their own.
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

  /** Establishes a new PC/SC context; a failure is kept on the session. */
  #establish(): Session {
    this.#release();
    let context: PcscLiteContext;
    try {
      context = this.pcsc();
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
    // The module lists readers in a callback it passes to `start` on the next tick and reports only readers that
    // are new; wrapping `start` also tells when a listing with nothing new (no readers at all) is done.
    const start = context.start.bind(context);
    context.start = (onReaders) =>
      start((error, readerNames) => {
        onReaders(error, readerNames);
        if (!error && session === this.#session) {
          session.names = parseReaderNames(readerNames);
          this.#changed();
        }
      });
    context.on('reader', (reader) => this.#track(session, reader));
    context.on('error', (error) => this.#lose(session, error));
    return session;
  }

  #track(session: Session, reader: PcscLiteReader): void {
    const entry: ReaderEntry = {reader, state: undefined, atr: new Uint8Array()};
    session.entries.set(reader.name, entry);
    reader.on('status', ({state, atr}) => {
      entry.state = state;
      entry.atr = state & reader.SCARD_STATE_PRESENT && atr ? new Uint8Array(atr) : new Uint8Array();
      if (session === this.#session) this.#changed();
    });
    // A reader whose status cannot be read counts as empty rather than holding up the listing.
    reader.on('error', () => {
      entry.state ??= 0;
      if (session === this.#session) this.#changed();
    });
    reader.on('end', () => {
      if (session.entries.get(reader.name) === entry) session.entries.delete(reader.name);
      if (session === this.#session) this.#changed();
    });
  }

  #lose(session: Session, error: Error): void {
    if (session !== this.#session || this.#isClosed) return;
    // SCardCancel from our own close of a lost context.
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
      const hasCard = Boolean((entry.state ?? 0) & entry.reader.SCARD_STATE_PRESENT);
      return [{name, hasCard, atr: entry.atr}];
    });
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  #release(): void {
    const session = this.#session;
    this.#session = undefined;
    if (!session) return;
    session.context?.close();
    for (const {reader} of session.entries.values()) reader.close();
  }
}

function isSettled(session: Session): boolean {
  return (
    session.names !== undefined &&
    session.names.every((name) => session.entries.get(name)?.state !== undefined)
  );
}

/** pcsclite's listing: reader names, each ended by NUL, the list ended by another NUL (SCardListReaders). */
function parseReaderNames(readerNames: Buffer | undefined): readonly string[] {
  return (readerNames?.toString('utf8') ?? '').split('\0').filter((name) => name !== '');
}
