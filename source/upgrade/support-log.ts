import {closeSync, openSync, writeSync} from 'node:fs';
import type {Clock, Log, LogEntry} from './ports.js';

/**
 * Field names that could carry a secret. A field so named never reaches the log, whatever its value: PINs,
 * PUKs, management keys and private keys stay in the process (docs/architecture.md, invariant 6). Public
 * values that are useful for support (fingerprints, serials, card numbers) use other names.
 */
const SECRET_FIELD = /pin|puk|secret|private|password|token|management-?key|^key$/i;
/** Names that match SECRET_FIELD but hold counts and policies, not codes. */
const PUBLIC_FIELDS = new Set(['pinCount', 'pinPolicy', 'pinTriesLeft', 'pukTriesLeft', 'pinReason']);

/** Replaces secret-named fields (at any depth) by '[redacted]' and byte arrays by their length. */
export function redactEntry(entry: LogEntry): LogEntry {
  return redact(entry) as LogEntry;
}

function redact(value: unknown, depth = 0): unknown {
  if (value instanceof Uint8Array) return `[${value.length} bytes]`;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Error)
    return {name: value.name, code: (value as {code?: unknown}).code, message: value.message};
  if (Array.isArray(value)) return depth > 4 ? '[…]' : value.map((item) => redact(item, depth + 1));
  if (value !== null && typeof value === 'object') {
    if (depth > 4) return '[…]';
    const out: Record<string, unknown> = {};
    for (const [name, field] of Object.entries(value)) {
      out[name] =
        SECRET_FIELD.test(name) && !PUBLIC_FIELDS.has(name) ? '[redacted]' : redact(field, depth + 1);
    }
    return out;
  }
  return value;
}

/**
 * The support log: one JSON object per line, with the time, appended to a file only the user can read. Each
 * line is written synchronously so a crash or a kill loses nothing. The CLI chooses the file; `--trace` adds
 * the redacted APDUs through the same log (event 'apdu').
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
    const line = JSON.stringify({time: new Date(this.#clock.now()).toISOString(), ...redactEntry(entry)});
    writeSync(this.#fd, `${line}\n`);
  }

  close(): void {
    closeSync(this.#fd);
  }
}
