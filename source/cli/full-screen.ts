/** ECMA-48 / xterm private modes (DEC): the alternate screen buffer and the cursor. */
const ALTERNATE_SCREEN_ON = '\u001B[?1049h';
const ALTERNATE_SCREEN_OFF = '\u001B[?1049l';
const CURSOR_HOME_AND_CLEAR = '\u001B[H\u001B[2J';
const CURSOR_SHOW = '\u001B[?25h';
const ATTRIBUTES_RESET = '\u001B[0m';

/**
 * The full screen on the terminal's alternate buffer, and the way back. `restore()` can be called any number of
 * times, from any exit path (normal, error, Ctrl+C, SIGTERM, SIGHUP): it resets attributes, shows the cursor,
 * leaves the alternate buffer (the user's scrollback comes back) and takes stdin out of raw mode. Writes to a
 * terminal that is gone (SSH closed) are ignored.
 */
export class FullScreen {
  readonly #output: NodeJS.WriteStream;
  readonly #input: NodeJS.ReadStream;
  #isOn = false;

  constructor(output: NodeJS.WriteStream, input: NodeJS.ReadStream) {
    this.#output = output;
    this.#input = input;
  }

  /** Puts the terminal on the alternate buffer, cleared, with `frame` drawn from the top left (in one write). */
  enter(frame = ''): void {
    if (this.#isOn) return;
    this.#isOn = true;
    this.#write(ALTERNATE_SCREEN_ON + CURSOR_HOME_AND_CLEAR + frame);
  }

  restore(): void {
    if (!this.#isOn) return;
    this.#isOn = false;
    this.#write(ATTRIBUTES_RESET + CURSOR_SHOW + ALTERNATE_SCREEN_OFF);
    try {
      if (this.#input.isTTY) this.#input.setRawMode(false);
    } catch {
      // The terminal is gone.
    }
  }

  #write(text: string): void {
    try {
      this.#output.write(text);
    } catch {
      // The terminal is gone (EIO after SIGHUP): nothing to restore on it.
    }
  }
}
