import {connect, type Socket} from 'node:net';
import type {CardEndpoint} from '../../apdu/transports/transport.js';
import {loadQuickAck, type QuickAck} from './quick-ack.js';

/**
 * The one-byte control frames the vpcd reader sends (vsmartcard virtualsmartcard/src/vpcd/vpcd.h,
 * VPCD_CTRL_*). Any longer frame is a command APDU.
 */
export enum VpcdControl {
  PowerOff = 0x00,
  PowerOn = 0x01,
  Reset = 0x02,
  /** Also the reader's presence poll: pcscd asks for the ATR several times a second. */
  GetAtr = 0x04,
}

/** The port of vsmartcard's stock reader.conf.d entry (CHANNELID 0x8C7B); its second slot listens on the next. */
export const VPCD_DEFAULT_PORT = 0x8c7b;

/**
 * Where the virtual card is: `connecting` (waiting for the reader, retrying with backoff), `inserted` (connected:
 * the reader sees the card on its next poll), `ejected` (out of the reader until {@link VpcdBridge.insert}),
 * `closed`.
 */
export type VpcdState = 'connecting' | 'inserted' | 'ejected' | 'closed';

export interface VpcdOptions {
  /** The card to put in the reader. */
  readonly card: CardEndpoint;
  /** The host of the pcscd running the vpcd driver; default 127.0.0.1. */
  readonly host?: string;
  /** The reader slot's port (CHANNELID, +1 for the second slot); default {@link VPCD_DEFAULT_PORT}. */
  readonly port?: number;
  /** The first delay before connecting again after the reader went away, doubled up to `maxRetryDelayMs`. */
  readonly retryDelayMs?: number;
  readonly maxRetryDelayMs?: number;
  /** Called on every change of {@link VpcdBridge.state}. */
  readonly onStateChange?: (state: VpcdState) => void;
  /** Acknowledge every receive at once (TCP_QUICKACK, see below); default true, false for comparison (bench). */
  readonly acknowledgesAtOnce?: boolean;
}

/** A virtual card in a vpcd reader. */
export interface VpcdBridge {
  readonly state: VpcdState;
  /** Takes the card out of the reader (PC/SC then reports it removed) and powers it off. */
  eject(): void;
  /** Puts an ejected card back: connects again. */
  insert(): void;
  /** Takes the card out for good and stops reconnecting. */
  close(): Promise<void>;
}

/** Bytes of the big-endian length in front of every frame, both ways (vpcd.c sendToVICC / recvFromVICC). */
const LENGTH_PREFIX = 2;
/** The longest frame the length prefix can carry. */
const MAX_FRAME = 0xffff;
/** SW 6F00 (ISO/IEC 7816-4:2005 clause 5.1.3, no precise diagnosis): answered when a response cannot be framed. */
const SW_NO_PRECISE_DIAGNOSIS = Uint8Array.of(0x6f, 0x00);

/**
 * Puts `card` in a vpcd reader: a TCP client to the port the vpcd driver (libifdvpcd, vsmartcard) listens on
 * inside pcscd. Every frame is a 2-byte big-endian length and its bytes; a 1-byte frame from the reader is a
 * {@link VpcdControl} byte (GET ATR is answered with the ATR, the others get no answer), any longer frame a
 * command APDU answered with the card's response. Inserting resets the card to learn its ATR; removal powers it
 * off. When the reader goes away (pcscd stopped or restarted) the bridge connects again with backoff. When the
 * card's `process` or `reset` throws (a torn card), the card is ejected and stays out until `insert()`.
 * Never throws; failures show as state changes.
 *
 * Latency: vsmartcard 3.3's driver (Debian 12) writes a frame's length and its payload in two sends, so Nagle's
 * algorithm on its socket waits for this side's delayed ACK: about 44 ms per APDU on loopback. This side
 * therefore sets TCP_QUICKACK on every receive (quick-ack.ts): about 2 ms per APDU, measured through pcscd.
 */
export function connectVpcd(options: VpcdOptions): VpcdBridge {
  return new VpcdConnection(options);
}

class VpcdConnection implements VpcdBridge {
  #state: VpcdState = 'connecting';
  #socket: Socket | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #retryDelayMs: number;
  #atr: Uint8Array = new Uint8Array();
  #received: Buffer = Buffer.alloc(0);
  #work: Promise<void> = Promise.resolve();
  #closed: Promise<void> = Promise.resolve();
  /** Does nothing until loaded: the first commands may wait for a delayed ACK. */
  #quickAck: QuickAck = () => undefined;

  constructor(private readonly options: VpcdOptions) {
    this.#retryDelayMs = this.#initialDelay;
    if (options.acknowledgesAtOnce !== false)
      void loadQuickAck().then((quickAck) => (this.#quickAck = quickAck));
    this.#connect();
  }

  get state(): VpcdState {
    return this.#state;
  }

  eject(): void {
    if (this.#state === 'closed') return;
    this.#drop();
    this.#setState('ejected');
  }

  insert(): void {
    if (this.#state !== 'ejected') return;
    this.#retryDelayMs = this.#initialDelay;
    this.#connect();
  }

  async close(): Promise<void> {
    if (this.#state !== 'closed') {
      this.#drop();
      this.#setState('closed');
    }
    await this.#closed;
  }

  get #initialDelay(): number {
    return this.options.retryDelayMs ?? 100;
  }

  #connect(): void {
    this.#setState('connecting');
    this.#received = Buffer.alloc(0);
    const socket = connect({
      host: this.options.host ?? '127.0.0.1',
      port: this.options.port ?? VPCD_DEFAULT_PORT,
    });
    this.#socket = socket;
    this.#closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.setNoDelay(true);
    socket.on('connect', () => {
      try {
        this.#atr = this.options.card.reset();
      } catch {
        this.eject();
        return;
      }
      this.#retryDelayMs = this.#initialDelay;
      this.#setState('inserted');
    });
    socket.on('data', (chunk: Buffer) => {
      this.#quickAck(socket);
      this.#receive(socket, chunk);
    });
    // 'close' follows every 'error' (refused, reset by pcscd); reconnecting is decided there.
    socket.on('error', () => undefined);
    socket.on('close', () => this.#onClose(socket));
  }

  #onClose(socket: Socket): void {
    if (socket !== this.#socket) return;
    this.#socket = undefined;
    this.#powerOff();
    if (this.#state !== 'connecting' && this.#state !== 'inserted') return;
    this.#setState('connecting');
    const delay = this.#retryDelayMs;
    this.#retryDelayMs = Math.min(delay * 2, this.options.maxRetryDelayMs ?? 2000);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      if (this.#state === 'connecting') this.#connect();
    }, delay);
  }

  #receive(socket: Socket, chunk: Buffer): void {
    this.#received = Buffer.concat([this.#received, chunk]);
    while (this.#received.length >= LENGTH_PREFIX) {
      const length = this.#received.readUInt16BE(0);
      if (this.#received.length < LENGTH_PREFIX + length) return;
      const frame = new Uint8Array(this.#received.subarray(LENGTH_PREFIX, LENGTH_PREFIX + length));
      this.#received = this.#received.subarray(LENGTH_PREFIX + length);
      this.#work = this.#work.then(() => this.#handle(socket, frame));
    }
  }

  async #handle(socket: Socket, frame: Uint8Array): Promise<void> {
    if (socket !== this.#socket) return;
    try {
      if (frame.length === 1) {
        switch (frame[0]) {
          case VpcdControl.PowerOff:
            this.options.card.powerOff();
            return;
          case VpcdControl.PowerOn:
          case VpcdControl.Reset:
            this.#atr = this.options.card.reset();
            return;
          case VpcdControl.GetAtr:
            this.#send(socket, this.#atr);
            return;
          default:
            // Unknown control bytes get no answer, as vpicc does.
            return;
        }
      }
      const response = await this.options.card.process(frame);
      this.#send(socket, response.length > MAX_FRAME ? SW_NO_PRECISE_DIAGNOSIS : response);
    } catch {
      if (socket === this.#socket) this.eject();
    }
  }

  #send(socket: Socket, payload: Uint8Array): void {
    if (socket !== this.#socket || socket.destroyed) return;
    const frame = Buffer.alloc(LENGTH_PREFIX + payload.length);
    frame.writeUInt16BE(payload.length, 0);
    frame.set(payload, LENGTH_PREFIX);
    socket.write(frame);
  }

  /** Disconnects without reconnecting: the caller sets the next state. */
  #drop(): void {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket) {
      socket.destroy();
      this.#powerOff();
    }
  }

  #powerOff(): void {
    try {
      this.options.card.powerOff();
    } catch {
      // A torn card has no power to switch off.
    }
  }

  #setState(state: VpcdState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.options.onStateChange?.(state);
  }
}
