import {
  Type,
  type Static,
  type TArrayOptions,
  type TEnum,
  type TObjectOptions,
  type TProperties,
  type TSchema,
  type TSchemaOptions,
} from 'typebox';

/**
 * Shared vocabulary of the upgrade service API, version 1: the enumerations, the error body and the small
 * schemas every resource reuses. This folder is imported by the service and the service client and imports
 * nothing else of the project. Each message is one TypeBox schema, and its TypeScript type is derived from it
 * (`Static`): the service validates every input with these schemas (fastify takes them as JSON schema) and
 * serialises every output through them, so the wire and the types cannot drift apart.
 */

/** The path prefix of this API version. */
export const API_PREFIX = '/v1';

/** A string schema that allows exactly `values` (JSON schema `{type: 'string', enum}`). */
export function stringEnum<const Values extends string[]>(
  values: readonly [...Values],
  options?: TSchemaOptions,
): TEnum<Values> {
  return Type.Enum(values, {...options, type: 'string'});
}

/** Which identity a certificate carries in its subject serialNumber. */
export const IDENTITIES = ['hsa-id', 'personnummer'] as const;
export type Identity = (typeof IDENTITIES)[number];

/** What a certificate is for: logging in (digitalSignature, clientAuth) or signing (nonRepudiation). */
export const PURPOSES = ['authentication', 'signature'] as const;
export type Purpose = (typeof PURPOSES)[number];

/** Key algorithm of a certificate the service issues. */
export const KEY_ALGORITHMS = ['rsa-2048', 'ecc-p256'] as const;
export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];

/**
 * Which applet the card answers as: PIV (NIST SP 800-73, one PIN, a management key), or the Setec EID applet of
 * SITHS cards (PKCS#15, an authentication and a signature PIN, no management key).
 */
export const CARD_PROFILES = ['piv', 'siths-eid'] as const;
export type CardProfile = (typeof CARD_PROFILES)[number];

/**
 * A key reference as two lower-case hex digits. Which ones a plan may name depends on the card profile (PIV:
 * slots 9a, 9c and retired 82 to 95; SITHS EID: the key file's reference, 01 to ff); the service's config checks
 * that, the wire only the form.
 */
export const planSlotSchema = Type.String({
  description:
    'Key reference as two lower-case hex digits: a PIV slot (9a, 9c, retired 82 to 95) or a SITHS EID key ' +
    "file's reference (01 to ff), as the session's card profile has them.",
  pattern: '^[0-9a-f]{2}$',
});
export type PlanSlot = Static<typeof planSlotSchema>;

/** PIN policy of a generated key (PIV PIN policy: default, never, once per session, always before use). */
export const PIN_POLICIES = ['default', 'never', 'once', 'always'] as const;
export type PinPolicy = (typeof PIN_POLICIES)[number];

/** A card's status in the directory. Only 'received' cards may be upgraded (the SITHS rule). */
export const CARD_STATUSES = ['ordered', 'received', 'suspended', 'revoked'] as const;
export type CardStatus = (typeof CARD_STATUSES)[number];

/** Revocation reasons a person may give (RFC 5280 5.3.1 CRLReason, as words). */
export const REVOCATION_REASONS = [
  'unspecified',
  'key-compromise',
  'superseded',
  'cessation-of-operation',
] as const;
export type RevocationReason = (typeof REVOCATION_REASONS)[number];

/** Management-key algorithms the relay answers for (PIV algorithm 0A AES-192, 03 three-key 3DES). */
export const MANAGEMENT_KEY_ALGORITHMS = ['aes-192', '3des'] as const;
export type ManagementKeyAlgorithm = (typeof MANAGEMENT_KEY_ALGORITHMS)[number];

/**
 * A message of the API: an object that refuses unknown properties. Its type is `Readonly<Static<typeof schema>>`;
 * the arrays in it are `readonlyArray`s.
 */
export function message<const Properties extends TProperties>(
  properties: Properties,
  options?: TObjectOptions,
) {
  return Type.Object(properties, {...options, additionalProperties: false});
}

/** An array the derived type has as `readonly T[]`. */
export function readonlyArray<const Item extends TSchema>(items: Item, options?: TArrayOptions) {
  return Type.Immutable(Type.Array(items, options));
}

/** Every non-2xx answer: a stable reason code clients switch on, and a message for support logs. */
export const errorBodySchema = message(
  {
    error: Type.String({description: 'Stable reason code, e.g. card-not-received, key-reused.'}),
    message: Type.String(),
    /** With 429: seconds until a new attempt may succeed. */
    retryAfterSeconds: Type.Optional(Type.Integer({minimum: 0})),
  },
  {description: 'A refusal or failure. `error` is a stable reason code; `message` is for support logs.'},
);
export type ErrorBody = Readonly<Static<typeof errorBodySchema>>;

/** Standard base64 (RFC 4648 section 4) of at most `maxBytes` bytes. */
export function base64Schema(maxBytes: number, description: string) {
  return Type.String({
    description: `${description} Standard base64 (RFC 4648), at most ${maxBytes} bytes.`,
    pattern: '^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$',
    minLength: 4,
    maxLength: Math.ceil(maxBytes / 3) * 4,
  });
}

/** A DER certificate or request is at most this long (YubiKey limit 3052; SITHS certificates are ~1.5 KB). */
export const MAX_DER_BYTES = 8192;

/** A card number as printed on the card and held in the CHUID. */
export const cardNumberSchema = Type.String({
  description: 'The card number (from the CHUID), as in the directory.',
  pattern: '^[0-9A-Za-z-]{1,40}$',
});

/** Certificate serial number as lower-case hex without leading zero bytes; the API names certificates by it. */
export const serialSchema = Type.String({
  description: 'Certificate serial number, lower-case hex.',
  pattern: '^[0-9a-f]{1,40}$',
});

export const timestampSchema = Type.String({format: 'date-time'});
