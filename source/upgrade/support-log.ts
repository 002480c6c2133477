import type {LogEntry} from './ports.js';
import type {EngineEvent} from './state.js';

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
 * One line of the support log: a JSON object with the time (ISO 8601) first, then the entry redacted. Where the
 * line goes is the edge's business (source/cli/support-log-file.ts).
 */
export function supportLogLine(entry: LogEntry, now: number): string {
  return JSON.stringify({time: new Date(now).toISOString(), ...redactEntry(entry)});
}

/** What of an event goes to the support log: identifiers and steps, never the terms text. */
export function logFieldsOf(event: EngineEvent): Record<string, unknown> {
  switch (event.type) {
    case 'termsPresented':
      return {version: event.terms.version, items: event.plan.map((item) => item.slotName)};
    case 'certificateInstalled':
      return {slot: event.certificate.slotName, serial: event.certificate.serial};
    case 'completed':
      return {serials: event.installed.map((certificate) => certificate.serial)};
    case 'cardRead':
      return {cardNumber: event.card.cardNumber, pinTriesLeft: event.card.pinTriesLeft};
    case 'pinRequested':
      return {pinReason: event.request.reason, pinTriesLeft: event.request.triesLeft};
    case 'failed':
      return {error: event.error};
    default: {
      const {type: _type, ...rest} = event;
      return rest;
    }
  }
}
