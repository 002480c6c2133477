import {closeSync, openSync, writeSync} from 'node:fs';
import {supportLogLine} from '../upgrade/support-log.js';
import type {Clock, Log, LogEntry} from '../upgrade/ports.js';

/**
 * The support log: one JSON object per line, with the time, appended to a file only the user can read. Each
 * line is written synchronously so a crash or a kill loses nothing. The CLI chooses the file; `--trace` adds
 * the redacted APDUs through the same log (event 'apdu'). What a line holds (secrets redacted) is
 * `supportLogLine` of source/upgrade/support-log.ts.
 */
export class SupportLog implements Log {
  readonly #fd: number;
  readonly #clock: Pick<Clock, 'now'>;

  /** Opens (creating, mode 0600) `path` for appending. Throws the file system's error when it cannot. */
  constructor(path: string, clock: Pick<Clock, 'now'>) {
    this.#fd = openSync(path, 'a', 0o600);
    this.#clock = clock;
  }

  /** For `--trace`: a sink for the APDU layer's already redacted lines (source/apdu/trace.ts), one entry each. */
  readonly apduTrace = (line: string): void => {
    this.write({event: 'apdu', line});
  };

  write(entry: LogEntry): void {
    writeSync(this.#fd, `${supportLogLine(entry, this.#clock.now())}\n`);
  }

  close(): void {
    closeSync(this.#fd);
  }
}
