/**
 * The one seam between protocol code and I/O (as yubikit's `SmartCardConnection`): a transport sends one APDU
 * exactly as given and returns the card's raw answer, data followed by SW1 SW2. Formatting, chaining, GET
 * RESPONSE and status-word meaning live above it, in the processors.
 */
export interface Transport {
  /** The reader's name as PC/SC reports it, or a fixed name for in-process cards. */
  readonly readerName: string;
  /** The ATR of the current card session. */
  readonly atr: Uint8Array;
  /** Sends one command APDU; resolves to response data + SW1 SW2. Rejects with a TransportError. */
  transmit(apdu: Uint8Array): Promise<Uint8Array>;
  /**
   * Holds the card exclusively for the duration of `work` (PC/SC: SCardBeginTransaction / EndTransaction).
   * No exclusive hold may span a PIN prompt or a network call (docs/architecture.md, invariant 7).
   */
  exclusive<T>(work: () => Promise<T>): Promise<T>;
  /** Reconnects after a reset or a re-insert; the caller re-selects and re-verifies. */
  reconnect(): Promise<void>;
  /**
   * Releases the card and the reader. `reset`: reset the card as it is released, so that it forgets every verified
   * PIN (for cards that cannot log a PIN out); otherwise the card stays powered as it is for the next program.
   */
  close(options?: {readonly reset?: boolean}): Promise<void>;
}

/**
 * The card side: anything that answers raw APDUs as a card does (the virtual PIV card, test cards). The
 * in-process transport and the vpcd bridge drive one.
 */
export interface CardEndpoint {
  /** Powers the card on, or warm-resets it: volatile state (security status, selected application) is cleared. Returns the ATR. */
  reset(): Uint8Array;
  /** Powers the card off: like reset, volatile state is cleared. */
  powerOff(): void;
  /** Processes one command APDU; resolves to response data + SW1 SW2. */
  process(apdu: Uint8Array): Promise<Uint8Array>;
}
