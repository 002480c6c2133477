import {
  base64Schema,
  CARD_PROFILES,
  CARD_STATUSES,
  cardNumberSchema,
  MAX_DER_BYTES,
  timestampSchema,
  type CardProfile,
  type CardStatus,
} from './common.js';

/**
 * Login (POST /v1/login/challenge, then POST /v1/login) and the session it opens.
 *
 * The client presents the card's authentication certificate and the card number; the service checks that the
 * certificate chains to a trusted CA, is valid now and not revoked, and belongs to the person who holds that
 * card; it answers with `toBeSigned` = LOGIN_SIGNATURE_PREFIX followed by 32 fresh random bytes. The card signs
 * SHA-256 over `toBeSigned` with its authentication key (RSA PKCS#1 v1.5 or ECDSA, DER); the client returns the
 * signature. A challenge is single-use and expires after two minutes. A client must refuse to have the card sign
 * a `toBeSigned` that does not start with the prefix (domain separation: the service can never make the card
 * sign anything but a login).
 */

/** The ASCII prefix of every login `toBeSigned`, ending in a newline. */
export const LOGIN_SIGNATURE_PREFIX = 'siths-upgrade/v1 login\n';

/** The bytes the card signs for a login challenge. */
export function loginToBeSigned(challenge: Uint8Array): Uint8Array {
  const prefix = new TextEncoder().encode(LOGIN_SIGNATURE_PREFIX);
  const bytes = new Uint8Array(prefix.length + challenge.length);
  bytes.set(prefix, 0);
  bytes.set(challenge, prefix.length);
  return bytes;
}

/** True when `toBeSigned` is a login challenge of this API (the prefix and 32 bytes). */
export function isLoginToBeSigned(toBeSigned: Uint8Array): boolean {
  const prefix = new TextEncoder().encode(LOGIN_SIGNATURE_PREFIX);
  return (
    toBeSigned.length === prefix.length + LOGIN_CHALLENGE_BYTES &&
    prefix.every((byte, index) => toBeSigned[index] === byte)
  );
}

/** Random bytes in a login challenge. */
export const LOGIN_CHALLENGE_BYTES = 32;

export interface LoginChallengeRequest {
  /** The card's authentication certificate, DER, base64. */
  readonly certificate: string;
  readonly cardNumber: string;
  /** Which applet the card answers as; the session's plan is this profile's. */
  readonly cardProfile: CardProfile;
}

export const loginChallengeRequestSchema = {
  type: 'object',
  required: ['certificate', 'cardNumber', 'cardProfile'],
  additionalProperties: false,
  properties: {
    certificate: base64Schema(MAX_DER_BYTES, "The card's authentication certificate (DER)."),
    cardNumber: cardNumberSchema,
    cardProfile: {
      type: 'string',
      enum: CARD_PROFILES,
      description:
        'The applet the card answers as: piv (one PIN, management key) or siths-eid (the Setec EID applet of ' +
        'SITHS cards: PKCS#15, two PINs, no management key). The session plans for this profile.',
    },
  },
} as const;

export interface LoginChallenge {
  readonly challengeId: string;
  /** base64 of LOGIN_SIGNATURE_PREFIX + 32 random bytes: what the card signs (SHA-256). */
  readonly toBeSigned: string;
  readonly expiresAt: string;
}

export const loginChallengeSchema = {
  type: 'object',
  required: ['challengeId', 'toBeSigned', 'expiresAt'],
  additionalProperties: false,
  properties: {
    challengeId: {type: 'string'},
    toBeSigned: {
      type: 'string',
      description:
        'base64 of the ASCII prefix "siths-upgrade/v1 login\\n" followed by 32 random bytes. The card signs ' +
        'SHA-256 over exactly these bytes. Single-use; expires at expiresAt.',
    },
    expiresAt: timestampSchema,
  },
} as const;

export interface LoginRequest {
  readonly challengeId: string;
  /** The card's signature over `toBeSigned`, base64 (RSA PKCS#1 v1.5 bytes, or ECDSA DER SEQUENCE {r, s}). */
  readonly signature: string;
}

export const loginRequestSchema = {
  type: 'object',
  required: ['challengeId', 'signature'],
  additionalProperties: false,
  properties: {
    challengeId: {type: 'string', pattern: '^[A-Za-z0-9_-]{16,64}$'},
    signature: base64Schema(
      1024,
      'Signature over toBeSigned: RSA PKCS#1 v1.5, or ECDSA as DER SEQUENCE {r, s}.',
    ),
  },
} as const;

/** A person as the directory holds them. */
export interface PersonView {
  readonly hsaId: string;
  readonly personnummer: string;
  readonly givenName: string;
  readonly surname: string;
  /** givenName and surname, as in the certificates' CN. */
  readonly name: string;
  readonly organisation: string;
}

export const personViewSchema = {
  type: 'object',
  required: ['hsaId', 'personnummer', 'givenName', 'surname', 'name', 'organisation'],
  additionalProperties: false,
  properties: {
    hsaId: {type: 'string'},
    personnummer: {type: 'string'},
    givenName: {type: 'string'},
    surname: {type: 'string'},
    name: {type: 'string'},
    organisation: {type: 'string'},
  },
} as const;

export interface CardView {
  readonly number: string;
  readonly status: CardStatus;
}

export const cardViewSchema = {
  type: 'object',
  required: ['number', 'status'],
  additionalProperties: false,
  properties: {
    number: {type: 'string'},
    status: {
      type: 'string',
      enum: CARD_STATUSES,
      description: 'Directory status of the card. Only "received" cards may be upgraded.',
    },
  },
} as const;

export interface SessionView {
  readonly person: PersonView;
  readonly card: CardView;
  /** Serial (hex) of the certificate the session logged in with. */
  readonly certificateSerial: string;
  readonly expiresAt: string;
}

export const sessionViewSchema = {
  type: 'object',
  required: ['person', 'card', 'certificateSerial', 'expiresAt'],
  additionalProperties: false,
  properties: {
    person: personViewSchema,
    card: cardViewSchema,
    certificateSerial: {type: 'string'},
    expiresAt: timestampSchema,
  },
} as const;

/** The answer to a login: a bearer token for `Authorization: Bearer <token>`, bound to the card. */
export interface LoginResponse extends SessionView {
  readonly token: string;
}

export const loginResponseSchema = {
  type: 'object',
  required: ['token', ...sessionViewSchema.required],
  additionalProperties: false,
  properties: {
    token: {
      type: 'string',
      description: 'Bearer token for this session; send as Authorization: Bearer <token>.',
    },
    ...sessionViewSchema.properties,
  },
} as const;
