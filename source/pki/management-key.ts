import {hkdfSync} from 'node:crypto';
import {PkiError} from './errors.js';

/** The HKDF info label; a new label (v2) would derive entirely new keys. */
const INFO_LABEL = 'siths-upgrade PIV management key v1';
/** AES-192: the PIV management key algorithm 0A (SP 800-78-4 Table 5). */
const KEY_LENGTH = 24;
/** A master secret shorter than this is no secret (128 bits). */
const MIN_MASTER_SECRET_LENGTH = 16;

/**
 * The per-card PIV management key (AES-192, 24 bytes): HKDF-SHA256 (RFC 5869) over the master secret, no salt,
 * info = label, a zero byte, and the card identifier in UTF-8. The same inputs always give the same key; different
 * cards get unrelated keys. Throws PkiError 'derivation-input-invalid' for a master secret shorter than 16 bytes or
 * an empty card identifier.
 */
export function deriveManagementKey(masterSecret: Uint8Array, cardId: string): Uint8Array {
  if (masterSecret.length < MIN_MASTER_SECRET_LENGTH) {
    throw new PkiError(
      'derivation-input-invalid',
      `the master secret must be at least ${MIN_MASTER_SECRET_LENGTH} bytes`,
    );
  }
  if (cardId.length === 0) throw new PkiError('derivation-input-invalid', 'the card identifier is empty');
  const info = Buffer.concat([Buffer.from(INFO_LABEL, 'utf8'), Buffer.of(0), Buffer.from(cardId, 'utf8')]);
  return new Uint8Array(hkdfSync('sha256', masterSecret, new Uint8Array(0), info, KEY_LENGTH));
}
