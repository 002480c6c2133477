import {
  base64Schema,
  MANAGEMENT_KEY_ALGORITHMS,
  timestampSchema,
  type ManagementKeyAlgorithm,
} from './common.js';

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
export interface WitnessRequest {
  readonly algorithm: ManagementKeyAlgorithm;
  /** E(K, Rc): one block (16 bytes AES, 8 bytes 3DES), base64. */
  readonly witness: string;
}

export const witnessRequestSchema = {
  type: 'object',
  required: ['algorithm', 'witness'],
  additionalProperties: false,
  properties: {
    algorithm: {
      type: 'string',
      enum: MANAGEMENT_KEY_ALGORITHMS,
      description: 'aes-192 (PIV 0A) or 3des (PIV 03).',
    },
    witness: base64Schema(16, "The card's witness E(K, Rc), one cipher block."),
  },
} as const;

export interface WitnessAnswer {
  readonly relayId: string;
  /** Rc, base64. */
  readonly decryptedWitness: string;
  /** Rh, base64: the challenge to send to the card with Rc. */
  readonly challenge: string;
  readonly expiresAt: string;
}

export const witnessAnswerSchema = {
  type: 'object',
  required: ['relayId', 'decryptedWitness', 'challenge', 'expiresAt'],
  additionalProperties: false,
  properties: {
    relayId: {type: 'string'},
    decryptedWitness: {type: 'string', description: 'Rc, base64.'},
    challenge: {type: 'string', description: 'Rh, base64; single-use, bound to this session and card.'},
    expiresAt: timestampSchema,
  },
} as const;

export interface CardResponseRequest {
  readonly relayId: string;
  /** E(K, Rh) as the card returned it, base64. */
  readonly response: string;
}

export const cardResponseRequestSchema = {
  type: 'object',
  required: ['relayId', 'response'],
  additionalProperties: false,
  properties: {
    relayId: {type: 'string', pattern: '^[A-Za-z0-9_-]{16,64}$'},
    response: base64Schema(16, "The card's answer E(K, Rh), one cipher block."),
  },
} as const;

export interface CardResponseVerdict {
  readonly isAuthenticated: true;
}

export const cardResponseVerdictSchema = {
  type: 'object',
  required: ['isAuthenticated'],
  additionalProperties: false,
  properties: {isAuthenticated: {type: 'boolean', const: true}},
} as const;
