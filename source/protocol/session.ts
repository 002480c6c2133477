import {Type, type Static} from 'typebox';
import {
  base64Schema,
  CARD_PROFILES,
  CARD_STATUSES,
  cardNumberSchema,
  MAX_DER_BYTES,
  message,
  stringEnum,
  timestampSchema,
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

export const loginChallengeRequestSchema = message({
  /** The card's authentication certificate, DER, base64. */
  certificate: base64Schema(MAX_DER_BYTES, "The card's authentication certificate (DER)."),
  cardNumber: cardNumberSchema,
  /** Which applet the card answers as; the session's plan is this profile's. */
  cardProfile: stringEnum(CARD_PROFILES, {
    description:
      'The applet the card answers as: piv (one PIN, management key) or siths-eid (the Setec EID applet of ' +
      'SITHS cards: PKCS#15, two PINs, no management key). The session plans for this profile.',
  }),
});
export type LoginChallengeRequest = Readonly<Static<typeof loginChallengeRequestSchema>>;

export const loginChallengeSchema = message({
  challengeId: Type.String(),
  /** base64 of LOGIN_SIGNATURE_PREFIX + 32 random bytes: what the card signs (SHA-256). */
  toBeSigned: Type.String({
    description:
      'base64 of the ASCII prefix "siths-upgrade/v1 login\\n" followed by 32 random bytes. The card signs ' +
      'SHA-256 over exactly these bytes. Single-use; expires at expiresAt.',
  }),
  expiresAt: timestampSchema,
});
export type LoginChallenge = Readonly<Static<typeof loginChallengeSchema>>;

export const loginRequestSchema = message({
  challengeId: Type.String({pattern: '^[A-Za-z0-9_-]{16,64}$'}),
  /** The card's signature over `toBeSigned`, base64 (RSA PKCS#1 v1.5 bytes, or ECDSA DER SEQUENCE {r, s}). */
  signature: base64Schema(
    1024,
    'Signature over toBeSigned: RSA PKCS#1 v1.5, or ECDSA as DER SEQUENCE {r, s}.',
  ),
});
export type LoginRequest = Readonly<Static<typeof loginRequestSchema>>;

/** A person as the directory holds them. */
export const personViewSchema = message({
  hsaId: Type.String(),
  personnummer: Type.String(),
  givenName: Type.String(),
  surname: Type.String(),
  /** givenName and surname, as in the certificates' CN. */
  name: Type.String(),
  organisation: Type.String(),
});
export type PersonView = Readonly<Static<typeof personViewSchema>>;

export const cardViewSchema = message({
  number: Type.String(),
  status: stringEnum(CARD_STATUSES, {
    description: 'Directory status of the card. Only "received" cards may be upgraded.',
  }),
});
export type CardView = Readonly<Static<typeof cardViewSchema>>;

const sessionViewProperties = {
  person: personViewSchema,
  card: cardViewSchema,
  /** Serial (hex) of the certificate the session logged in with. */
  certificateSerial: Type.String(),
  expiresAt: timestampSchema,
};

export const sessionViewSchema = message(sessionViewProperties);
export type SessionView = Readonly<Static<typeof sessionViewSchema>>;

/** The answer to a login: a bearer token for `Authorization: Bearer <token>`, bound to the card. */
export const loginResponseSchema = message({
  token: Type.String({description: 'Bearer token for this session; send as Authorization: Bearer <token>.'}),
  ...sessionViewProperties,
});
export type LoginResponse = Readonly<Static<typeof loginResponseSchema>>;
