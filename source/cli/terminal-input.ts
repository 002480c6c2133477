import {CliError} from './errors.js';

/** The longest code accepted (PIN and PUK are at most 8; a little more so an over-long entry reaches the card layer's check). */
const MAX_CODE_BYTES = 16;

const ENTER = new Set([0x0d, 0x0a]);
const ERASE = new Set([0x7f, 0x08]);
const CTRL_C = 0x03;
const CTRL_D = 0x04;

type SecretRead = {
  readonly bytes: Uint8Array;
  length: number;
  readonly resolve: (code: Uint8Array) => void;
  readonly reject: (error: unknown) => void;
};

/**
 * Questions on the command line: lines (menus, yes/no) and codes. On a terminal a code is read in raw mode with one
 * '*' per key and kept in a byte buffer that is zeroed after use; without a terminal a code is one line of standard
 * input (scripts). Codes never pass through argv or the environment.
 */
export class TerminalInput {
  readonly #input: NodeJS.ReadStream;
  readonly #prompts: NodeJS.WriteStream;
  readonly #onInterrupt: () => void;
  readonly #lines: string[] = [];
  #partial = '';
  #isEnded = false;
  #waiter: ((line: string | undefined) => void) | undefined;
  #secret: SecretRead | undefined;
  readonly #decoder = new TextDecoder();

  /** `prompts` is where questions are written; `onInterrupt` is called for Ctrl+C while a code is typed. */
  constructor(input: NodeJS.ReadStream, prompts: NodeJS.WriteStream, onInterrupt: () => void) {
    this.#input = input;
    this.#prompts = prompts;
    this.#onInterrupt = onInterrupt;
    input.on('data', this.#onData);
    input.on('end', this.#onEnd);
  }

  get isTerminal(): boolean {
    return this.#input.isTTY === true;
  }

  /** Asks `prompt` and resolves to the answer, or undefined at the end of input or when `signal` aborts. */
  line(prompt: string, signal?: AbortSignal): Promise<string | undefined> {
    this.#prompts.write(prompt);
    const queued = this.#lines.shift();
    if (queued !== undefined) return Promise.resolve(this.#answered(queued));
    if (this.#isEnded || signal?.aborted) return Promise.resolve(undefined);
    this.#input.resume();
    return new Promise((resolve) => {
      const done = (line: string | undefined) => {
        this.#waiter = undefined;
        signal?.removeEventListener('abort', abort);
        if (this.#lines.length === 0 && !this.#isEnded) this.#input.pause();
        resolve(line === undefined ? line : this.#answered(line));
      };
      const abort = () => {
        this.#prompts.write('\n');
        done(undefined);
      };
      signal?.addEventListener('abort', abort);
      this.#waiter = done;
    });
  }

  /**
   * Asks for a code (ASCII bytes). The caller owns the returned buffer and zeroes it. Throws CliError
   * 'no-code-input' at the end of input.
   */
  async code(prompt: string): Promise<Uint8Array> {
    if (!this.isTerminal) {
      const line = await this.line(prompt);
      if (line === undefined) throw new CliError('no-code-input', prompt);
      return new TextEncoder().encode(line.trim());
    }
    this.#prompts.write(prompt);
    this.#input.setRawMode(true);
    this.#input.resume();
    try {
      return await new Promise<Uint8Array>((resolve, reject) => {
        this.#secret = {bytes: new Uint8Array(MAX_CODE_BYTES), length: 0, resolve, reject};
      });
    } finally {
      this.#secret = undefined;
      this.#input.setRawMode(false);
      this.#input.pause();
      this.#prompts.write('\n');
    }
  }

  /** Ends the prompt's line when the answer came from a file or pipe (a terminal echoes the user's Enter). */
  #answered(line: string): string {
    if (!this.isTerminal) this.#prompts.write('\n');
    return line;
  }

  /** Stops listening; the input stream is left paused and out of raw mode. */
  close(): void {
    this.#input.off('data', this.#onData);
    this.#input.off('end', this.#onEnd);
    if (this.isTerminal) this.#input.setRawMode(false);
    this.#input.pause();
    this.#secret?.bytes.fill(0);
  }

  readonly #onData = (chunk: Buffer | string): void => {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const secret = this.#secret;
    if (secret !== undefined) {
      this.#secretKeys(secret, bytes);
      bytes.fill(0);
      return;
    }
    this.#partial += this.#decoder.decode(bytes, {stream: true});
    const parts = this.#partial.split(/\r?\n/);
    this.#partial = parts.pop() ?? '';
    this.#lines.push(...parts);
    this.#deliver();
  };

  readonly #onEnd = (): void => {
    this.#isEnded = true;
    if (this.#partial !== '') this.#lines.push(this.#partial);
    this.#partial = '';
    this.#deliver();
    this.#secret?.reject(new CliError('no-code-input', 'end of input'));
  };

  #deliver(): void {
    const waiter = this.#waiter;
    if (waiter === undefined) return;
    const line = this.#lines.shift();
    if (line !== undefined) waiter(line);
    else if (this.#isEnded) waiter(undefined);
  }

  #secretKeys(secret: SecretRead, bytes: Uint8Array): void {
    for (const byte of bytes) {
      if (ENTER.has(byte) || byte === CTRL_D) {
        const code = secret.bytes.slice(0, secret.length);
        secret.bytes.fill(0);
        secret.resolve(code);
        return;
      }
      if (byte === CTRL_C) {
        secret.bytes.fill(0);
        secret.reject(new CliError('no-code-input', 'interrupted'));
        this.#onInterrupt();
        return;
      }
      if (ERASE.has(byte)) {
        if (secret.length > 0) {
          secret.bytes[--secret.length] = 0;
          this.#prompts.write('\b \b');
        }
      } else if (byte >= 0x20 && byte < 0x7f && secret.length < MAX_CODE_BYTES) {
        secret.bytes[secret.length++] = byte;
        this.#prompts.write('*');
      }
    }
  }
}
