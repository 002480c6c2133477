/**
 * Shared vocabulary of the upgrade service API, version 1: the enumerations, the error body and the small
 * schemas every resource reuses. This folder is imported by the service and the service client and imports
 * nothing else of the project. Each type has a JSON schema beside it; the service validates every input with
 * these schemas and serialises every output through them, so the wire and the types cannot drift apart silently.
 */

/** The path prefix of this API version. */
export const API_PREFIX = '/v1';

/** Which identity a certificate carries in its subject serialNumber. */
export type Identity = 'hsa-id' | 'personnummer';
export const IDENTITIES = ['hsa-id', 'personnummer'] as const satisfies readonly Identity[];

/** What a certificate is for: logging in (digitalSignature, clientAuth) or signing (nonRepudiation). */
export type Purpose = 'authentication' | 'signature';
export const PURPOSES = ['authentication', 'signature'] as const satisfies readonly Purpose[];

/** Key algorithm of a certificate the service issues. */
export type KeyAlgorithm = 'rsa-2048' | 'ecc-p256';
export const KEY_ALGORITHMS = ['rsa-2048', 'ecc-p256'] as const satisfies readonly KeyAlgorithm[];

/**
 * Which applet the card answers as: PIV (NIST SP 800-73, one PIN, a management key), or the Setec EID applet of
 * SITHS cards (PKCS#15, an authentication and a signature PIN, no management key).
 */
export type CardProfile = 'piv' | 'siths-eid';
export const CARD_PROFILES = ['piv', 'siths-eid'] as const satisfies readonly CardProfile[];

/**
 * A key reference as two lower-case hex digits. Which ones a plan may name depends on the card profile (PIV:
 * slots 9a, 9c and retired 82 to 95; SITHS EID: the key file's reference, 01 to ff); the service's config checks
 * that, the wire only the form.
 */
export type PlanSlot = string;

export const planSlotSchema = {
  type: 'string',
  description:
    'Key reference as two lower-case hex digits: a PIV slot (9a, 9c, retired 82 to 95) or a SITHS EID key ' +
    "file's reference (01 to ff), as the session's card profile has them.",
  pattern: '^[0-9a-f]{2}$',
} as const;

/** PIN policy of a generated key (PIV PIN policy: default, never, once per session, always before use). */
export type PinPolicy = 'default' | 'never' | 'once' | 'always';
export const PIN_POLICIES = ['default', 'never', 'once', 'always'] as const satisfies readonly PinPolicy[];

/** A card's status in the directory. Only 'received' cards may be upgraded (the SITHS rule). */
export type CardStatus = 'ordered' | 'received' | 'suspended' | 'revoked';
export const CARD_STATUSES = [
  'ordered',
  'received',
  'suspended',
  'revoked',
] as const satisfies readonly CardStatus[];

/** Revocation reasons a person may give (RFC 5280 5.3.1 CRLReason, as words). */
export type RevocationReason = 'unspecified' | 'key-compromise' | 'superseded' | 'cessation-of-operation';
export const REVOCATION_REASONS = [
  'unspecified',
  'key-compromise',
  'superseded',
  'cessation-of-operation',
] as const satisfies readonly RevocationReason[];

/** Management-key algorithms the relay answers for (PIV algorithm 0A AES-192, 03 three-key 3DES). */
export type ManagementKeyAlgorithm = 'aes-192' | '3des';
export const MANAGEMENT_KEY_ALGORITHMS = [
  'aes-192',
  '3des',
] as const satisfies readonly ManagementKeyAlgorithm[];

/** Every non-2xx answer: a stable reason code clients switch on, and a message for support logs. */
export interface ErrorBody {
  readonly error: string;
  readonly message: string;
  /** With 429: seconds until a new attempt may succeed. */
  readonly retryAfterSeconds?: number;
}

export const errorBodySchema = {
  type: 'object',
  description: 'A refusal or failure. `error` is a stable reason code; `message` is for support logs.',
  required: ['error', 'message'],
  additionalProperties: false,
  properties: {
    error: {type: 'string', description: 'Stable reason code, e.g. card-not-received, key-reused.'},
    message: {type: 'string'},
    retryAfterSeconds: {type: 'integer', minimum: 0},
  },
} as const;

/** Standard base64 (RFC 4648 section 4) of at most `maxBytes` bytes. */
export function base64Schema(maxBytes: number, description: string) {
  return {
    type: 'string',
    description: `${description} Standard base64 (RFC 4648), at most ${maxBytes} bytes.`,
    pattern: '^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$',
    minLength: 4,
    maxLength: Math.ceil(maxBytes / 3) * 4,
  } as const;
}

/** A DER certificate or request is at most this long (YubiKey limit 3052; SITHS certificates are ~1.5 KB). */
export const MAX_DER_BYTES = 8192;

/** A card number as printed on the card and held in the CHUID. */
export const cardNumberSchema = {
  type: 'string',
  description: 'The card number (from the CHUID), as in the directory.',
  pattern: '^[0-9A-Za-z-]{1,40}$',
} as const;

/** Certificate serial number as lower-case hex without leading zero bytes; the API names certificates by it. */
export const serialSchema = {
  type: 'string',
  description: 'Certificate serial number, lower-case hex.',
  pattern: '^[0-9a-f]{1,40}$',
} as const;

export const timestampSchema = {type: 'string', format: 'date-time'} as const;
