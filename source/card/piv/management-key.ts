import {createCipheriv, createDecipheriv, randomBytes, timingSafeEqual} from 'node:crypto';
import {ManagementKeyError} from '../errors.js';
import {Algorithm} from './constants.js';

/**
 * Answers the card's side of management-key (9B) mutual authentication (SP 800-73-4 Part 2 appendix A.1;
 * docs/piv-card.md section 4): witness in, response out. The session drives the card; an authenticator only
 * does the cryptography, so it can live where the key is: {@link LocalManagementKey} in this process, or the
 * upgrade service through the client (relay), where the key never reaches the workstation.
 */
export interface ManagementKeyAuthenticator {
  /**
   * Decrypts the card's witness E(K, Rc) and picks a challenge Rh for the card (one cipher block each).
   * `algorithm` is the card's management key algorithm id (Algorithm.TripleDes, Aes128, Aes192, Aes256).
   */
  respond(
    algorithm: Algorithm,
    witness: Uint8Array,
  ): Promise<{decryptedWitness: Uint8Array; challenge: Uint8Array}>;
  /** Checks the card's answer E(K, Rh) to the challenge; rejects when it is wrong. */
  verify(cardResponse: Uint8Array): Promise<void>;
}

/** A management key algorithm's cipher: OpenSSL name (ECB, one block, no padding), key and block lengths. */
export interface ManagementKeyCipher {
  readonly name: string;
  readonly keyLength: number;
  readonly blockLength: number;
}

/** The cipher of each management key algorithm (docs/piv-card.md section 3). */
const CIPHERS: ReadonlyMap<number, ManagementKeyCipher> = new Map([
  [Algorithm.TripleDes, {name: 'des-ede3', keyLength: 24, blockLength: 8}],
  [Algorithm.Aes128, {name: 'aes-128-ecb', keyLength: 16, blockLength: 16}],
  [Algorithm.Aes192, {name: 'aes-192-ecb', keyLength: 24, blockLength: 16}],
  [Algorithm.Aes256, {name: 'aes-256-ecb', keyLength: 32, blockLength: 16}],
]);

/** The cipher of a management key algorithm (for the host and the virtual card), or undefined when it is not one. */
export function managementKeyCipher(algorithm: number): ManagementKeyCipher | undefined {
  return CIPHERS.get(algorithm);
}

/**
 * A management key held in this process (IT's own cards). It keeps a private copy of the key, which
 * {@link dispose} zeroes; the caller zeroes the bytes it passed in. The challenge comes from `random`
 * (node:crypto by default; tests may pass their own).
 */
export class LocalManagementKey implements ManagementKeyAuthenticator {
  readonly #key: Uint8Array;
  readonly #random: (size: number) => Uint8Array;
  #expected: {readonly algorithm: Algorithm; readonly response: Uint8Array} | undefined;

  constructor(
    key: Uint8Array,
    random: (size: number) => Uint8Array = (size) => new Uint8Array(randomBytes(size)),
  ) {
    this.#key = Uint8Array.from(key);
    this.#random = random;
  }

  /**
   * Throws ManagementKeyError (`management-key-rejected`, reason `key-does-not-fit`) when the key's length does
   * not fit `algorithm` or the witness is not one block.
   */
  async respond(
    algorithm: Algorithm,
    witness: Uint8Array,
  ): Promise<{decryptedWitness: Uint8Array; challenge: Uint8Array}> {
    const cipher = CIPHERS.get(algorithm);
    if (!cipher || cipher.keyLength !== this.#key.length || witness.length !== cipher.blockLength)
      throw new ManagementKeyError('key-does-not-fit');
    const decryptedWitness = runEcb('decrypt', cipher.name, this.#key, witness);
    const challenge = this.#random(cipher.blockLength);
    this.#expected = {algorithm, response: runEcb('encrypt', cipher.name, this.#key, challenge)};
    return {decryptedWitness, challenge};
  }

  /** Throws ManagementKeyError (`management-key-rejected`, reason `card-response-wrong`) when the card's answer is wrong. */
  async verify(cardResponse: Uint8Array): Promise<void> {
    const expected = this.#expected?.response;
    this.#expected = undefined;
    if (!expected || expected.length !== cardResponse.length || !timingSafeEqual(expected, cardResponse))
      throw new ManagementKeyError('card-response-wrong');
  }

  /** Zeroes the private copy of the key; the object cannot authenticate afterwards. */
  dispose(): void {
    this.#key.fill(0);
    this.#expected = undefined;
  }
}

function runEcb(
  direction: 'encrypt' | 'decrypt',
  name: string,
  key: Uint8Array,
  block: Uint8Array,
): Uint8Array {
  const cipher =
    direction === 'encrypt' ? createCipheriv(name, key, null) : createDecipheriv(name, key, null);
  cipher.setAutoPadding(false);
  const out = Buffer.concat([cipher.update(block), cipher.final()]);
  const result = new Uint8Array(out);
  out.fill(0);
  return result;
}
