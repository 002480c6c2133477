import xterm from '@xterm/headless';

/**
 * A real terminal emulator (xterm.js, headless) as the judge of what the program writes: what each cell shows.
 * Newlines return to the first column, as a terminal's line discipline makes them (ONLCR).
 */
export class XtermScreen {
  readonly #terminal: xterm.Terminal;

  constructor(columns: number, rows: number) {
    this.#terminal = new xterm.Terminal({cols: columns, rows, allowProposedApi: true, convertEol: true});
  }

  /** Bytes are read as UTF-8, a character split between two writes included. */
  write(data: string | Uint8Array): Promise<void> {
    return new Promise((resolve) => this.#terminal.write(data, resolve));
  }

  /**
   * Each row as it looks: each cell its character and the attributes that show on it. A space without a
   * background, inverse, underline or strike-through looks like an erased cell and is written as one.
   */
  looks(): string[] {
    const buffer = this.#terminal.buffer.active;
    const rows: string[] = [];
    for (let y = 0; y < this.#terminal.rows; y++) {
      const line = buffer.getLine(buffer.viewportY + y)!;
      const cells: string[] = [];
      for (let x = 0; x < this.#terminal.cols; x++) {
        const cell = line.getCell(x)!;
        const chars = cell.getChars() || ' ';
        const shows = !cell.isBgDefault() || cell.isInverse() || cell.isUnderline() || cell.isStrikethrough();
        if (chars === ' ' && !shows) {
          cells.push(' ');
          continue;
        }
        const attributes = [
          cell.isBold() ? 'b' : '',
          cell.isDim() ? 'd' : '',
          cell.isItalic() ? 'i' : '',
          cell.isUnderline() ? 'u' : '',
          cell.isInverse() ? 'r' : '',
          cell.isStrikethrough() ? 's' : '',
          cell.isFgDefault() ? '' : `f${cell.getFgColorMode()}:${cell.getFgColor()}`,
          cell.isBgDefault() ? '' : `g${cell.getBgColorMode()}:${cell.getBgColor()}`,
        ].join('');
        cells.push(attributes === '' ? chars : `${chars}[${attributes}]`);
      }
      rows.push(cells.join(''));
    }
    return rows;
  }

  /** The text of each row (attributes left out), one line each. */
  text(): string {
    const buffer = this.#terminal.buffer.active;
    return Array.from({length: this.#terminal.rows}, (_, y) =>
      buffer.getLine(buffer.viewportY + y)!.translateToString(true),
    ).join('\n');
  }

  /** Where the cursor is: row and column from 0. */
  cursor(): {row: number; column: number} {
    const buffer = this.#terminal.buffer.active;
    return {row: buffer.cursorY, column: buffer.cursorX};
  }
}
