import {TransportError} from './errors.js';

/**
 * The parts of the `pcsclite` module (santigimeno/node-pcsclite 1.0, lib/pcsclite.js and src/*.cpp) this layer
 * uses, typed here because the module is an optional dependency that may be absent when type-checking. Failures
 * arrive as `Error`s whose message ends in the PC/SC code: `SCardConnect error: No smart card inserted.(0x8010000c)`.
 */
export interface PcscLiteContext {
  /** Lists readers on a thread of its own; the module's factory calls it once, on the next tick. */
  start(onReaders: (error: Error | undefined, readerNames?: Buffer) => void): void;
  on(event: 'reader', listener: (reader: PcscLiteReader) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  close(): void;
}

export interface PcscLiteReader {
  readonly name: string;
  /** Whether `connect` succeeded and no `disconnect` has since; the module's connect does nothing while true. */
  connected: boolean;
  readonly SCARD_SHARE_SHARED: number;
  readonly SCARD_SHARE_EXCLUSIVE: number;
  readonly SCARD_PROTOCOL_T0: number;
  readonly SCARD_PROTOCOL_T1: number;
  readonly SCARD_STATE_PRESENT: number;
  readonly SCARD_LEAVE_CARD: number;
  readonly SCARD_RESET_CARD: number;
  on(event: 'status', listener: (status: {state: number; atr?: Buffer}) => void): this;
  on(event: 'end', listener: () => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  connect(
    options: {share_mode: number; protocol: number},
    callback: (error: Error | null | undefined, protocol?: number) => void,
  ): void;
  disconnect(disposition: number, callback: (error: Error | null | undefined) => void): void;
  transmit(
    data: Buffer,
    maxResponseLength: number,
    protocol: number,
    callback: (error: Error | null | undefined, response?: Buffer) => void,
  ): void;
  /** Stops the reader's status thread. */
  close(): void;
}

/** The module's export: establishes a PC/SC context (SCardEstablishContext) and starts listing readers. */
export type PcscLite = () => PcscLiteContext;

/** What {@link loadPcscLite} imports; a variable so that type-checking never needs the optional module. */
const PCSCLITE_MODULE = 'pcsclite';

/**
 * Loads the optional native `pcsclite` module. Rejects with TransportError `pcsclite-missing` when the module is
 * not installed, not built, or its libpcsclite.so.1 is missing. `load` replaces the import (tests).
 */
export async function loadPcscLite(
  load: () => Promise<unknown> = () => import(PCSCLITE_MODULE),
): Promise<PcscLite> {
  let loaded: unknown;
  try {
    loaded = await load();
  } catch (error) {
    throw pcscliteMissing(error);
  }
  const factory =
    typeof loaded === 'function' ? loaded : (loaded as {default?: unknown} | undefined)?.default;
  if (typeof factory !== 'function') throw pcscliteMissing(new TypeError('pcsclite exports no function'));
  return factory as PcscLite;
}

function pcscliteMissing(cause: unknown): TransportError {
  return new TransportError(
    'pcsclite-missing',
    'Card readers are not enabled: install pcscd and libpcsclite1 (sudo apt-get install pcscd libpcsclite1) and run npm rebuild pcsclite',
    {cause},
  );
}
