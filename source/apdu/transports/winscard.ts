import {TransportError} from './errors.js';

/**
 * pcsc-lite's client library (libpcsclite.so.1, the WinSCard API) bound through koffi: the calls this layer makes,
 * each as a promise run on libuv's thread pool so that a blocking call (waiting for a card event, for another
 * program's transaction) never blocks the event loop. Types follow pcsc-lite on Linux: LONG and DWORD are C longs,
 * SCARDCONTEXT and SCARDHANDLE are LONGs. A call that returns anything but SCARD_S_SUCCESS rejects with a
 * {@link WinscardError} holding the return code; pcsc-failure.ts turns it into what the user is told.
 */
export interface Winscard {
  /** SCardEstablishContext(SCARD_SCOPE_SYSTEM); synchronous (a socket connect to pcscd). */
  establishContext(): Context;
  /** SCardReleaseContext; synchronous. */
  releaseContext(context: Context): void;
  /** SCardCancel: ends a waiting getStatusChange on `context` with SCARD_E_CANCELLED; synchronous. */
  cancel(context: Context): void;
  /** SCardListReaders; no reader at all is an empty list (SCARD_E_NO_READERS_AVAILABLE is not an error here). */
  listReaders(context: Context): Promise<readonly string[]>;
  /**
   * SCardGetStatusChange: waits up to `timeoutMs` (undefined: forever) until a reader's state differs from its
   * `currentState`; resolves to each reader's new state, in order. SCARD_E_TIMEOUT resolves to undefined.
   */
  getStatusChange(
    context: Context,
    readers: readonly ReaderQuery[],
    timeoutMs?: number,
  ): Promise<readonly ReaderEvent[] | undefined>;
  /** SCardConnect with T=0 or T=1; resolves to the card handle and the negotiated protocol. */
  connect(context: Context, readerName: string, share: ShareMode): Promise<Connection>;
  /** SCardReconnect (SHARED, T=0 or T=1) keeping the card as it is (SCARD_LEAVE_CARD); resolves to the protocol. */
  reconnect(card: CardHandle): Promise<Protocol>;
  /** SCardDisconnect with SCARD_LEAVE_CARD or SCARD_RESET_CARD. */
  disconnect(card: CardHandle, disposition: Disposition): Promise<void>;
  /** SCardBeginTransaction: waits, without limit, while another program holds a transaction on the card. */
  beginTransaction(card: CardHandle): Promise<void>;
  /** SCardEndTransaction(SCARD_LEAVE_CARD). */
  endTransaction(card: CardHandle): Promise<void>;
  /** SCardTransmit: one APDU, the card's whole answer (data + SW1 SW2). */
  transmit(card: CardHandle, protocol: Protocol, apdu: Uint8Array): Promise<Uint8Array>;
  /** SCardStatus: the card's ATR now. */
  status(card: CardHandle): Promise<{readonly atr: Uint8Array}>;
}

/** A PC/SC context (SCARDCONTEXT). */
export type Context = number & {readonly __brand: 'SCARDCONTEXT'};
/** A connection to a card (SCARDHANDLE). */
export type CardHandle = number & {readonly __brand: 'SCARDHANDLE'};
export type ShareMode = 'shared' | 'exclusive';
export type Disposition = 'leave' | 'reset';
/** SCARD_PROTOCOL_T0 or SCARD_PROTOCOL_T1. */
export type Protocol = typeof PROTOCOL_T0 | typeof PROTOCOL_T1;

export interface Connection {
  readonly card: CardHandle;
  readonly protocol: Protocol;
}

/** What getStatusChange waits on: a reader and the state the caller knows (SCARD_STATE_UNAWARE at first). */
export interface ReaderQuery {
  readonly name: string;
  readonly currentState: number;
}

export interface ReaderEvent {
  readonly name: string;
  /** SCARD_STATE_* flags; pcsc-lite keeps a card event counter in the upper 16 bits. */
  readonly eventState: number;
  /** The card's ATR; empty without a card. */
  readonly atr: Uint8Array;
}

export const PROTOCOL_T0 = 0x0001;
export const PROTOCOL_T1 = 0x0002;
export const STATE_UNAWARE = 0x0000;
export const STATE_CHANGED = 0x0002;
export const STATE_UNKNOWN = 0x0004;
export const STATE_UNAVAILABLE = 0x0008;
export const STATE_PRESENT = 0x0020;
/** The pseudo reader whose current state holds the reader count in its upper 16 bits: waits for readers to come or go. */
export const PNP_NOTIFICATION = '\\\\?PnP?\\Notification';

/** A WinSCard call that did not return SCARD_S_SUCCESS. */
export class WinscardError extends Error {
  override readonly name = 'WinscardError';

  constructor(
    /** The call, e.g. `SCardConnect`. */
    readonly call: string,
    /** The return code, e.g. 0x8010000b (SCARD_E_SHARING_VIOLATION). */
    readonly returnCode: number,
    text: string,
  ) {
    super(`${call}: ${text} (0x${returnCode.toString(16).padStart(8, '0')})`);
  }
}

const LIBRARY = 'libpcsclite.so.1';
const SCOPE_SYSTEM = 0x0002;
const SHARE_EXCLUSIVE = 0x0001;
const SHARE_SHARED = 0x0002;
const LEAVE_CARD = 0x0000;
const RESET_CARD = 0x0001;
const INFINITE = 0xffff_ffff;
const MAX_ATR_SIZE = 33;
/** The longest answer a card gives: an extended Ne of 65536 bytes and SW1 SW2. */
const MAX_RESPONSE_LENGTH = 65_536 + 2;
const SUCCESS = 0;
const E_TIMEOUT = 0x8010_000a;
const E_NO_READERS_AVAILABLE = 0x8010_002e;

type Koffi = (typeof import('koffi'))['default'];
type Native = (...args: unknown[]) => unknown;
type NativeFunction = Native & {async: (...args: unknown[]) => void};

/** The bindings loaded so far, by library file name: koffi declares each type name once per process. */
const loaded = new Map<string, Winscard>();
let areStructsDeclared = false;

/**
 * Loads koffi and libpcsclite.so.1, once per process. Rejects with TransportError `pcsclite-missing` when either
 * is missing. `library` replaces the library's file name (tests).
 */
export async function loadWinscard(library: string = LIBRARY): Promise<Winscard> {
  const known = loaded.get(library);
  if (known) return known;
  try {
    const koffi = (await import('koffi')).default;
    const winscard = bind(koffi, koffi.load(library));
    loaded.set(library, winscard);
    return winscard;
  } catch (error) {
    throw new TransportError(
      'pcsclite-missing',
      'Card readers are not enabled: install pcscd and libpcsclite1 (sudo apt-get install pcscd libpcsclite1)',
      {cause: error},
    );
  }
}

/** Declares pcsc-lite's structs under their C names, which the prototypes below use; once per process. */
function declareStructs(koffi: Koffi): void {
  if (areStructsDeclared) return;
  koffi.struct('SCARD_READERSTATE', {
    szReader: 'const char *',
    pvUserData: 'void *',
    dwCurrentState: 'unsigned long',
    dwEventState: 'unsigned long',
    cbAtr: 'unsigned long',
    rgbAtr: koffi.array('uint8_t', MAX_ATR_SIZE),
  });
  koffi.struct('SCARD_IO_REQUEST', {dwProtocol: 'unsigned long', cbPciLength: 'unsigned long'});
  areStructsDeclared = true;
}

function bind(koffi: Koffi, library: ReturnType<Koffi['load']>): Winscard {
  declareStructs(koffi);
  const declare = (prototype: string) => library.func(prototype) as NativeFunction;
  const native = {
    stringify: declare('const char *pcsc_stringify_error(long rv)'),
    establish: declare(
      'long SCardEstablishContext(unsigned long dwScope, void *r1, void *r2, _Out_ long *phContext)',
    ),
    release: declare('long SCardReleaseContext(long hContext)'),
    cancel: declare('long SCardCancel(long hContext)'),
    list: declare(
      'long SCardListReaders(long hContext, const char *groups, _Out_ uint8_t *readers, _Inout_ unsigned long *length)',
    ),
    statusChange: declare(
      'long SCardGetStatusChange(long hContext, unsigned long timeout, _Inout_ SCARD_READERSTATE *states, unsigned long count)',
    ),
    connect: declare(
      'long SCardConnect(long hContext, const char *reader, unsigned long share, unsigned long protocols, _Out_ long *phCard, _Out_ unsigned long *protocol)',
    ),
    reconnect: declare(
      'long SCardReconnect(long hCard, unsigned long share, unsigned long protocols, unsigned long init, _Out_ unsigned long *protocol)',
    ),
    disconnect: declare('long SCardDisconnect(long hCard, unsigned long disposition)'),
    begin: declare('long SCardBeginTransaction(long hCard)'),
    end: declare('long SCardEndTransaction(long hCard, unsigned long disposition)'),
    transmit: declare(
      'long SCardTransmit(long hCard, const SCARD_IO_REQUEST *sendPci, const uint8_t *send, unsigned long sendLength, SCARD_IO_REQUEST *recvPci, _Out_ uint8_t *recv, _Inout_ unsigned long *recvLength)',
    ),
    status: declare(
      'long SCardStatus(long hCard, _Out_ uint8_t *name, _Inout_ unsigned long *nameLength, _Out_ unsigned long *state, _Out_ unsigned long *protocol, _Out_ uint8_t *atr, _Inout_ unsigned long *atrLength)',
    ),
  };
  const check = (call: string, returnCode: unknown): void => {
    const code = Number(returnCode) >>> 0;
    if (code !== SUCCESS) throw new WinscardError(call, code, String(native.stringify(code)));
  };
  const run = (call: string, fn: NativeFunction, ...args: unknown[]): Promise<void> =>
    new Promise((resolve, reject) => {
      fn.async(...args, (error: unknown, returnCode: unknown) => {
        if (error) return reject(error instanceof Error ? error : new Error(String(error)));
        try {
          check(call, returnCode);
          resolve();
        } catch (failure) {
          reject(failure as Error);
        }
      });
    });
  return winscardOf(native, check, run);
}

type NativeSet = Record<
  | 'stringify'
  | 'establish'
  | 'release'
  | 'cancel'
  | 'list'
  | 'statusChange'
  | 'connect'
  | 'reconnect'
  | 'disconnect'
  | 'begin'
  | 'end'
  | 'transmit'
  | 'status',
  NativeFunction
>;

/** Runs one native WinSCard call off the main thread; rejects with WinscardError on failure. */
type Run = (call: string, fn: NativeFunction, ...args: unknown[]) => Promise<void>;

function winscardOf(
  native: NativeSet,
  check: (call: string, returnCode: unknown) => void,
  run: Run,
): Winscard {
  return {
    establishContext() {
      const context = [0];
      check('SCardEstablishContext', native.establish(SCOPE_SYSTEM, null, null, context));
      return context[0] as Context;
    },
    releaseContext: (context) => check('SCardReleaseContext', native.release(context)),
    cancel: (context) => check('SCardCancel', native.cancel(context)),
    listReaders: (context) => listReaders(native, run, context),
    getStatusChange: (context, readers, timeoutMs) =>
      getStatusChange(native, run, context, readers, timeoutMs),
    async connect(context, readerName, share) {
      const card = [0];
      const protocol = [0];
      const mode = share === 'exclusive' ? SHARE_EXCLUSIVE : SHARE_SHARED;
      await run(
        'SCardConnect',
        native.connect,
        context,
        readerName,
        mode,
        PROTOCOL_T0 | PROTOCOL_T1,
        card,
        protocol,
      );
      return {card: card[0] as CardHandle, protocol: protocolOf(protocol[0])};
    },
    async reconnect(card) {
      const protocol = [0];
      await run(
        'SCardReconnect',
        native.reconnect,
        card,
        SHARE_SHARED,
        PROTOCOL_T0 | PROTOCOL_T1,
        LEAVE_CARD,
        protocol,
      );
      return protocolOf(protocol[0]);
    },
    disconnect: (card, disposition) =>
      run('SCardDisconnect', native.disconnect, card, disposition === 'reset' ? RESET_CARD : LEAVE_CARD),
    beginTransaction: (card) => run('SCardBeginTransaction', native.begin, card),
    endTransaction: (card) => run('SCardEndTransaction', native.end, card, LEAVE_CARD),
    async transmit(card, protocol, apdu) {
      const response = Buffer.alloc(MAX_RESPONSE_LENGTH);
      const length = [response.length];
      const pci = {dwProtocol: protocol, cbPciLength: 16};
      await run('SCardTransmit', native.transmit, card, pci, apdu, apdu.length, null, response, length);
      return Uint8Array.from(response.subarray(0, length[0]));
    },
    async status(card) {
      const atr = Buffer.alloc(MAX_ATR_SIZE);
      const atrLength = [atr.length];
      const name = Buffer.alloc(256);
      await run('SCardStatus', native.status, card, name, [name.length], [0], [0], atr, atrLength);
      return {atr: Uint8Array.from(atr.subarray(0, atrLength[0]))};
    },
  };
}

/** SCardListReaders twice: the length, then the names; no reader is an empty list. */
async function listReaders(native: NativeSet, run: Run, context: Context): Promise<readonly string[]> {
  const length = [0];
  const sized = await run('SCardListReaders', native.list, context, null, null, length).then(
    () => true,
    (error: unknown) => noReaders(error),
  );
  if (!sized) return [];
  const names = Buffer.alloc(length[0]!);
  const listed = await run('SCardListReaders', native.list, context, null, names, length).then(
    () => true,
    (error: unknown) => noReaders(error),
  );
  if (!listed) return [];
  return names
    .subarray(0, length[0])
    .toString('utf8')
    .split('\0')
    .filter((name) => name !== '');
}

/** SCardGetStatusChange for `readers`: their new states, or undefined when `timeoutMs` passed first. */
async function getStatusChange(
  native: NativeSet,
  run: Run,
  context: Context,
  readers: readonly ReaderQuery[],
  timeoutMs: number | undefined,
): Promise<readonly ReaderEvent[] | undefined> {
  const states = readers.map(({name, currentState}) => ({
    szReader: name,
    pvUserData: null,
    dwCurrentState: currentState,
    dwEventState: 0,
    cbAtr: 0,
    rgbAtr: new Uint8Array(MAX_ATR_SIZE),
  }));
  try {
    await run(
      'SCardGetStatusChange',
      native.statusChange,
      context,
      timeoutMs ?? INFINITE,
      states,
      states.length,
    );
  } catch (error) {
    if (error instanceof WinscardError && error.returnCode === E_TIMEOUT) return undefined;
    throw error;
  }
  return states.map((state) => ({
    name: state.szReader,
    eventState: Number(state.dwEventState),
    atr: Uint8Array.from(state.rgbAtr.subarray(0, Math.min(Number(state.cbAtr), MAX_ATR_SIZE))),
  }));
}

/** Whether a failed listing only says there is no reader; rethrows anything else. */
function noReaders(error: unknown): false {
  if (error instanceof WinscardError && error.returnCode === E_NO_READERS_AVAILABLE) return false;
  throw error;
}

function protocolOf(value: number | undefined): Protocol {
  return value === PROTOCOL_T0 ? PROTOCOL_T0 : PROTOCOL_T1;
}
