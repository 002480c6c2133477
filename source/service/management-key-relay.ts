import {createCipheriv, createDecipheriv, randomBytes, randomUUID, timingSafeEqual} from 'node:crypto';
import type {ManagementKeyAlgorithm} from '../protocol/common.js';
import {sha256Hex} from './certificate-facts.js';
import {RefusalError} from './errors.js';
import {
  deleteExpiredRelayChallenges,
  insertRelayChallenge,
  takeRelayChallenge,
} from './store/relay-challenges.js';
import type {Store} from './store/store.js';

/**
 * Cipher and block size of each relayed management-key algorithm (docs/piv-card.md section 3: 0A AES-192,
 * 03 3DES).
 */
const CIPHERS: Readonly<Record<ManagementKeyAlgorithm, {name: string; blockBytes: number}>> = {
  'aes-192': {name: 'aes-192-ecb', blockBytes: 16},
  '3des': {name: 'des-ede3-ecb', blockBytes: 8},
};

/** How long a relayed challenge stays answerable. */
const RELAY_LIFETIME_MS = 2 * 60 * 1000;

/** Who asks: the session and the card it is bound to. */
export interface RelayParty {
  readonly sessionId: string;
  readonly cardNumber: string;
}

/**
 * The service's half of PIV management-key mutual authentication (SP 800-73-4 part 2 A.1, docs/piv-card.md
 * section 4). It decrypts the card's witness E(K, Rc) and picks Rh; later it checks the card's E(K, Rh). The
 * key comes from `keyForCard` and never leaves this object; pending challenges are in the store (any instance
 * checks the answer), single-use, bound to the session and its card, and expire after two minutes. The store
 * keeps the SHA-256 of the expected answer, not the answer.
 */
export class ManagementKeyRelay {
  constructor(
    private readonly store: Store,
    private readonly keyForCard: (cardNumber: string) => Uint8Array,
    private readonly now: () => Date,
  ) {}

  /**
   * Decrypts the witness and returns Rc and a fresh Rh.
   * Throws RefusalError 'witness-malformed' (not one cipher block).
   */
  async answerWitness(
    party: RelayParty,
    algorithm: ManagementKeyAlgorithm,
    witness: Uint8Array,
  ): Promise<{relayId: string; decryptedWitness: Uint8Array; challenge: Uint8Array; expiresAt: Date}> {
    const cipher = CIPHERS[algorithm];
    if (witness.length !== cipher.blockBytes) {
      throw new RefusalError('witness-malformed', `a ${algorithm} witness is ${cipher.blockBytes} bytes`);
    }
    const now = this.now();
    await deleteExpiredRelayChallenges(this.store, now);
    const key = this.keyForCard(party.cardNumber);
    const challenge = new Uint8Array(randomBytes(cipher.blockBytes));
    let decryptedWitness: Uint8Array;
    let responseHash: string;
    try {
      decryptedWitness = ecb(cipher.name, key, witness, 'decrypt');
      responseHash = sha256Hex(ecb(cipher.name, key, challenge, 'encrypt'));
    } finally {
      key.fill(0);
    }
    const expiresAt = new Date(now.getTime() + RELAY_LIFETIME_MS);
    const relayId = randomUUID();
    await insertRelayChallenge(this.store, {
      ...party,
      idHash: sha256Hex(Buffer.from(relayId)),
      algorithm,
      responseHash,
      expiresAt,
    });
    return {relayId, decryptedWitness, challenge, expiresAt};
  }

  /**
   * Checks the card's answer E(K, Rh) for a relay of this session and card (once: the relay is then gone).
   * Throws RefusalError 'relay-unknown' (no such relay for this session and card, used, or expired) or
   * 'relay-response-mismatch' (the card does not hold the key the service expects for this card). Returns the
   * algorithm of the authenticated key.
   */
  async checkResponse(
    party: RelayParty,
    relayId: string,
    response: Uint8Array,
  ): Promise<ManagementKeyAlgorithm> {
    const pending = await takeRelayChallenge(this.store, {...party, idHash: sha256Hex(Buffer.from(relayId))});
    if (!pending || pending.expiresAt.getTime() <= this.now().getTime()) {
      throw new RefusalError(
        'relay-unknown',
        'no open management-key relay with this id for this session and card',
      );
    }
    const expected = Buffer.from(pending.responseHash, 'hex');
    if (!timingSafeEqual(Buffer.from(sha256Hex(response), 'hex'), expected)) {
      throw new RefusalError(
        'relay-response-mismatch',
        "the card's answer does not match this card's management key",
      );
    }
    return pending.algorithm;
  }
}

/** One ECB block operation without padding. */
function ecb(name: string, key: Uint8Array, block: Uint8Array, direction: 'encrypt' | 'decrypt'): Uint8Array {
  const cipher =
    direction === 'encrypt' ? createCipheriv(name, key, null) : createDecipheriv(name, key, null);
  cipher.setAutoPadding(false);
  return new Uint8Array(Buffer.concat([cipher.update(block), cipher.final()]));
}
