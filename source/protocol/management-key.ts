import {Type, type Static} from 'typebox';
import {base64Schema, MANAGEMENT_KEY_ALGORITHMS, message, stringEnum, timestampSchema} from './common.js';

/**
 * Management-key relay (PIV mutual authentication, SP 800-73-4 part 2 appendix A.1;
 * docs/piv-card.md section 4), with the key held only by the service:
 * 1. the card answers GENERAL AUTHENTICATE 7C{80 00} with the witness E(K, Rc);
 * 2. POST /v1/management-key/witness {algorithm, witness}: the service returns Rc (`decryptedWitness`) and its
 *    own challenge Rh (`challenge`), single-use, bound to the session and its card;
 * 3. the client sends 7C{80 Rc, 81 Rh} to the card, which answers 7C{82 E(K, Rh)};
 * 4. POST /v1/management-key/response {relayId, response}: the service checks it.
 * The key is derived per card from the service's master secret and the card number (HKDF-SHA256), or is a fixed
 * key IT registered for the card; it never leaves the service.
 */
export const witnessRequestSchema = message({
  algorithm: stringEnum(MANAGEMENT_KEY_ALGORITHMS, {description: 'aes-192 (PIV 0A) or 3des (PIV 03).'}),
  /** E(K, Rc): one block (16 bytes AES, 8 bytes 3DES), base64. */
  witness: base64Schema(16, "The card's witness E(K, Rc), one cipher block."),
});
export type WitnessRequest = Readonly<Static<typeof witnessRequestSchema>>;

export const witnessAnswerSchema = message({
  relayId: Type.String(),
  /** Rc, base64. */
  decryptedWitness: Type.String({description: 'Rc, base64.'}),
  /** Rh, base64: the challenge to send to the card with Rc. */
  challenge: Type.String({description: 'Rh, base64; single-use, bound to this session and card.'}),
  expiresAt: timestampSchema,
});
export type WitnessAnswer = Readonly<Static<typeof witnessAnswerSchema>>;

export const cardResponseRequestSchema = message({
  relayId: Type.String({pattern: '^[A-Za-z0-9_-]{16,64}$'}),
  /** E(K, Rh) as the card returned it, base64. */
  response: base64Schema(16, "The card's answer E(K, Rh), one cipher block."),
});
export type CardResponseRequest = Readonly<Static<typeof cardResponseRequestSchema>>;

export const cardResponseVerdictSchema = message({isAuthenticated: Type.Literal(true)});
export type CardResponseVerdict = Readonly<Static<typeof cardResponseVerdictSchema>>;
