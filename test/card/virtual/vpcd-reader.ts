import {createServer, type AddressInfo, type Server, type Socket} from 'node:net';
import {expect, vi} from 'vitest';

/**
 * The reader side of the vpcd protocol, as libifdvpcd speaks it inside pcscd: a TCP server that sends frames
 * (2-byte big-endian length, then a control byte or an APDU) and reads the card's answer frames.
 */
export class FakeVpcdReader {
  /** Every connection the card made, oldest first. */
  readonly sockets: Socket[] = [];
  #received = Buffer.alloc(0);
  readonly #server: Server;
  readonly #timeoutMs: number;

  private constructor(server: Server, timeoutMs: number) {
    this.#server = server;
    this.#timeoutMs = timeoutMs;
    server.on('connection', (socket) => {
      this.sockets.push(socket);
      this.#received = Buffer.alloc(0);
      socket.on('data', (chunk) => (this.#received = Buffer.concat([this.#received, chunk])));
    });
  }

  /** Listens on 127.0.0.1 (`port` 0: any free port); {@link answer} waits at most `timeoutMs` for a frame. */
  static async listen(options: {timeoutMs: number; port?: number}): Promise<FakeVpcdReader> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
    return new FakeVpcdReader(server, options.timeoutMs);
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** The card's latest connection. */
  get socket(): Socket | undefined {
    return this.sockets.at(-1);
  }

  /** How many times the card connected. */
  get connections(): number {
    return this.sockets.length;
  }

  /** Sends a control byte or an APDU on the latest connection. */
  send(payload: Uint8Array): void {
    this.socket!.write(vpcdFrame(payload));
  }

  /** Waits for the next answer frame from the card. */
  async answer(): Promise<Uint8Array> {
    await vi.waitFor(
      () => {
        expect(this.#received.length).toBeGreaterThanOrEqual(2);
        expect(this.#received.length).toBeGreaterThanOrEqual(2 + this.#received.readUInt16BE(0));
      },
      {timeout: this.#timeoutMs, interval: 10},
    );
    const length = this.#received.readUInt16BE(0);
    const payload = new Uint8Array(this.#received.subarray(2, 2 + length));
    this.#received = this.#received.subarray(2 + length);
    return payload;
  }

  /** Sends a control byte or an APDU and waits for the card's answer frame. */
  async exchange(payload: Uint8Array): Promise<Uint8Array> {
    this.send(payload);
    return this.answer();
  }

  /** Drops the card's latest connection, as pcscd stopping does. */
  hangUp(): void {
    this.socket?.destroy();
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** One vpcd frame: the payload's length, 2 bytes big-endian, then the payload. */
export function vpcdFrame(payload: Uint8Array): Buffer {
  const bytes = Buffer.alloc(2 + payload.length);
  bytes.writeUInt16BE(payload.length, 0);
  bytes.set(payload, 2);
  return bytes;
}
