import {
  constants,
  createHash,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  publicDecrypt,
  randomBytes,
  verify,
  type KeyObject,
} from 'node:crypto';
import {describe, expect, it} from 'vitest';
import {decodeTlvs, type Tlv} from '../../../source/apdu/tlv.js';
import {InProcessTransport} from '../../../source/apdu/transports/in-process.js';
import {Algorithm, Slot} from '../../../source/card/piv/constants.js';
import {LocalManagementKey} from '../../../source/card/piv/management-key.js';
import {spkiFromTemplate} from '../../../source/card/piv/public-key.js';
import {PivSession} from '../../../source/card/piv/session.js';
import {
  agreeKey,
  algorithmOfKey,
  ecdsaSign,
  generatePrivateKey,
  importPrivateKey,
  isAlgorithmAvailable,
  isRsa,
  publicKeyElements,
  rsaPrivate,
} from '../../../source/card/virtual/asymmetric-keys.js';
import {CardStatusError} from '../../../source/card/virtual/errors.js';
import {DEFAULT_MANAGEMENT_KEY, factoryState} from '../../../source/card/virtual/state.js';
import {INSTANT_TIMING} from '../../../source/card/virtual/timing.js';
import {VirtualPivCard} from '../../../source/card/virtual/virtual-card.js';

const WRONG_DATA = 0x6a80;
/** The order n of P-256 (SEC 2 version 2.0 clause 2.4.2). */
const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

function spkiOf(key: KeyObject): Uint8Array {
  return new Uint8Array(createPublicKey(key).export({type: 'spki', format: 'der'}));
}

/** Whether two SPKI DER encodings hold the same public key, as node:crypto reads them. */
function isSameKey(spkiA: Uint8Array, spkiB: Uint8Array): boolean {
  const jwk = (spki: Uint8Array) =>
    JSON.stringify(
      createPublicKey({key: Buffer.from(spki), format: 'der', type: 'spki'}).export({format: 'jwk'}),
    );
  return jwk(spkiA) === jwk(spkiB);
}

function jwkPart(key: KeyObject, part: 'd' | 'p' | 'q' | 'dp' | 'dq' | 'qi'): Uint8Array {
  return new Uint8Array(Buffer.from(key.export({format: 'jwk'})[part]!, 'base64url'));
}

function refusal(work: () => unknown): number | undefined {
  try {
    work();
  } catch (error) {
    if (error instanceof CardStatusError) return error.sw;
    throw error;
  }
  return undefined;
}

/** The two INTEGERs of a DER ECDSA signature, checked to be minimal, as big-endian bytes. */
function derIntegers(signature: Uint8Array): [Uint8Array, Uint8Array] {
  expect(signature[0]).toBe(0x30);
  expect(signature[1]).toBe(signature.length - 2);
  const values: Uint8Array[] = [];
  let offset = 2;
  while (offset < signature.length) {
    expect(signature[offset]).toBe(0x02);
    const length = signature[offset + 1]!;
    const value = signature.subarray(offset + 2, offset + 2 + length);
    if (value[0] === 0) expect(value[1]! & 0x80).toBe(0x80);
    else expect(value[0]! & 0x80).toBe(0);
    values.push(value);
    offset += 2 + length;
  }
  expect(values).toHaveLength(2);
  return values as [Uint8Array, Uint8Array];
}

describe('the virtual card’s asymmetric keys', () => {
  it.each([
    [Algorithm.Rsa1024, 'rsa'],
    [Algorithm.Rsa2048, 'rsa'],
    [Algorithm.EccP256, 'ec'],
    [Algorithm.EccP384, 'ec'],
    [Algorithm.Ed25519, 'ed25519'],
    [Algorithm.X25519, 'x25519'],
  ] as const)('generates a %i key that it recognises as its own algorithm', async (algorithm, type) => {
    const key = await generatePrivateKey(algorithm);
    expect(key.type).toBe('private');
    expect(key.asymmetricKeyType).toBe(type);
    expect(algorithmOfKey(key)).toBe(algorithm);
    expect(isRsa(algorithm)).toBe(type === 'rsa');
  });

  it('does not recognise keys a YubiKey cannot hold: RSA with another exponent, P-521', () => {
    const rsa3 = generateKeyPairSync('rsa', {modulusLength: 1024, publicExponent: 3}).privateKey;
    const p521 = generateKeyPairSync('ec', {namedCurve: 'P-521'}).privateKey;
    expect(algorithmOfKey(rsa3)).toBeUndefined();
    expect(algorithmOfKey(p521)).toBeUndefined();
  });

  it('offers RSA 3072/4096, Ed25519 and X25519 only from firmware 5.7, and no symmetric algorithm', () => {
    const older = {major: 5, minor: 4, patch: 3};
    const newer = {major: 5, minor: 7, patch: 0};
    for (const algorithm of [Algorithm.Rsa3072, Algorithm.Rsa4096, Algorithm.Ed25519, Algorithm.X25519]) {
      expect(isAlgorithmAvailable(algorithm, older)).toBe(false);
      expect(isAlgorithmAvailable(algorithm, newer)).toBe(true);
    }
    for (const algorithm of [Algorithm.Rsa2048, Algorithm.EccP256, Algorithm.EccP384])
      expect(isAlgorithmAvailable(algorithm, older)).toBe(true);
    expect(isAlgorithmAvailable(Algorithm.Aes192, newer)).toBe(false);
    expect(isAlgorithmAvailable(Algorithm.TripleDes, newer)).toBe(false);
  });

  it.each([
    [Algorithm.Rsa2048, [0x81, 0x82]],
    [Algorithm.EccP256, [0x86]],
    [Algorithm.EccP384, [0x86]],
    [Algorithm.Ed25519, [0x86]],
  ] as const)(
    'sends the public key of a %i key as the elements %j, which the host turns back into the same key',
    async (algorithm, tags) => {
      const key = await generatePrivateKey(algorithm);
      const elements = publicKeyElements(key);
      const items: Tlv[] = decodeTlvs(elements);
      expect(items.map(({tag}) => tag)).toEqual(tags);
      if (algorithm === Algorithm.EccP256) expect(items[0]!.value).toHaveLength(65);
      if (algorithm === Algorithm.EccP384) expect(items[0]!.value).toHaveLength(97);
      if (algorithm === Algorithm.Ed25519) expect(items[0]!.value).toHaveLength(32);
      expect(isSameKey(spkiFromTemplate(algorithm, elements), spkiOf(key))).toBe(true);
    },
  );

  it('computes raw RSA over a block as long as the modulus, and refuses other blocks with 6A80', async () => {
    const key = await generatePrivateKey(Algorithm.Rsa2048);
    const block = new Uint8Array(256);
    block.set(randomBytes(255), 1);
    const result = rsaPrivate(key, block);
    const recovered = publicDecrypt({key, padding: constants.RSA_NO_PADDING}, result);
    expect(new Uint8Array(recovered)).toEqual(block);
    expect(refusal(() => rsaPrivate(key, block.subarray(1)))).toBe(WRONG_DATA);
    expect(refusal(() => rsaPrivate(key, new Uint8Array(256).fill(0xff)))).toBe(WRONG_DATA);
  });

  describe('ECDSA over the host’s digest', () => {
    it.each([
      [Algorithm.EccP256, 'sha256'],
      [Algorithm.EccP384, 'sha384'],
      // A digest longer than the order is cut to its leftmost bits, a shorter one taken as it is (FIPS 186-5).
      [Algorithm.EccP256, 'sha512'],
      [Algorithm.EccP384, 'sha1'],
    ] as const)(
      'signs a %i digest of %s without hashing it again: node:crypto verifies over the message',
      async (algorithm, hash) => {
        const key = await generatePrivateKey(algorithm);
        for (let round = 0; round < 10; round++) {
          const message = randomBytes(1 + round * 13);
          const signature = ecdsaSign(key, algorithm, createHash(hash).update(message).digest());
          derIntegers(signature);
          expect(verify(hash, message, {key: createPublicKey(key), dsaEncoding: 'der'}, signature)).toBe(
            true,
          );
        }
      },
    );

    it('draws a fresh nonce each time and leaves s as it comes, high or low, as a card does', async () => {
      const key = await generatePrivateKey(Algorithm.EccP256);
      const digest = createHash('sha256').update('the same digest').digest();
      const signatures = Array.from({length: 40}, () => ecdsaSign(key, Algorithm.EccP256, digest));
      expect(new Set(signatures.map((signature) => Buffer.from(signature).toString('hex'))).size).toBe(40);
      const isHighS = signatures.map(
        (signature) =>
          BigInt(`0x${Buffer.from(derIntegers(signature)[1]).toString('hex')}`) > P256_ORDER / 2n,
      );
      expect(isHighS).toContain(true);
      expect(isHighS).toContain(false);
    });

    it('refuses an empty digest and a key of another algorithm with 6A80', async () => {
      const key = await generatePrivateKey(Algorithm.EccP256);
      expect(refusal(() => ecdsaSign(key, Algorithm.EccP256, new Uint8Array()))).toBe(WRONG_DATA);
      expect(refusal(() => ecdsaSign(key, Algorithm.Rsa2048, new Uint8Array(32)))).toBe(WRONG_DATA);
    });

    it.each([Algorithm.EccP256, Algorithm.EccP384])(
      'signs for the host through GENERAL AUTHENTICATE with a %i key the card generated',
      async (algorithm) => {
        const card = new VirtualPivCard({state: factoryState({serial: 7}), timing: INSTANT_TIMING});
        const session = await PivSession.open(new InProcessTransport(card));
        await session.authenticate(new LocalManagementKey(DEFAULT_MANAGEMENT_KEY));
        const spki = await session.generateKey(Slot.Authentication, algorithm);
        await session.verifyPin(new TextEncoder().encode('123456'));
        const message = new TextEncoder().encode('to be signed');
        const signer = session.signer(Slot.Authentication, spki);
        const signature = await signer.sign(message);
        const hash = algorithm === Algorithm.EccP256 ? 'sha256' : 'sha384';
        const publicKey = createPublicKey({key: Buffer.from(spki), format: 'der', type: 'spki'});
        expect(verify(hash, message, {key: publicKey, dsaEncoding: 'der'}, signature)).toBe(true);
        await session.close();
      },
    );
  });

  it('agrees an EC key with a peer’s uncompressed point, as the peer agrees it', async () => {
    const key = await generatePrivateKey(Algorithm.EccP256);
    const peer = generateKeyPairSync('ec', {namedCurve: 'P-256'});
    const point = decodeTlvs(publicKeyElements(peer.privateKey))[0]!.value;
    const shared = agreeKey(key, Algorithm.EccP256, point);
    const expected = diffieHellman({privateKey: peer.privateKey, publicKey: createPublicKey(key)});
    expect(shared).toEqual(new Uint8Array(expected));
    expect(shared).toHaveLength(32);
  });

  it('agrees an X25519 key with a peer’s 32-byte key', async () => {
    const key = await generatePrivateKey(Algorithm.X25519);
    const peer = generateKeyPairSync('x25519');
    const peerKey = decodeTlvs(publicKeyElements(peer.privateKey))[0]!.value;
    const expected = diffieHellman({privateKey: peer.privateKey, publicKey: createPublicKey(key)});
    expect(agreeKey(key, Algorithm.X25519, peerKey)).toEqual(new Uint8Array(expected));
  });

  it('refuses with 6A80 a peer point of the wrong length, not uncompressed, or not on the curve', async () => {
    const key = await generatePrivateKey(Algorithm.EccP256);
    const point = decodeTlvs(publicKeyElements(key))[0]!.value;
    const compressed = Uint8Array.from(point);
    compressed[0] = 0x02;
    const offCurve = Uint8Array.from(point);
    offCurve[64] = offCurve[64]! ^ 1;
    expect(refusal(() => agreeKey(key, Algorithm.EccP256, point.subarray(1)))).toBe(WRONG_DATA);
    expect(refusal(() => agreeKey(key, Algorithm.EccP256, compressed))).toBe(WRONG_DATA);
    expect(refusal(() => agreeKey(key, Algorithm.EccP256, offCurve))).toBe(WRONG_DATA);
    expect(refusal(() => agreeKey(key, Algorithm.Rsa2048, point))).toBe(WRONG_DATA);
  });

  describe('IMPORT KEY', () => {
    it('imports an RSA key from its CRT parts and an EC key from its private value, as the same keys', () => {
      const rsa = generateKeyPairSync('rsa', {modulusLength: 2048}).privateKey;
      const parts: Tlv[] = (['p', 'q', 'dp', 'dq', 'qi'] as const).map((part, index) => ({
        tag: index + 1,
        value: jwkPart(rsa, part),
      }));
      const imported = importPrivateKey(Algorithm.Rsa2048, parts);
      expect(isSameKey(spkiOf(imported), spkiOf(rsa))).toBe(true);
      const ec = generateKeyPairSync('ec', {namedCurve: 'P-384'}).privateKey;
      const importedEc = importPrivateKey(Algorithm.EccP384, [{tag: 0x06, value: jwkPart(ec, 'd')}]);
      expect(isSameKey(spkiOf(importedEc), spkiOf(ec))).toBe(true);
    });

    it('imports Ed25519 and X25519 keys from their 32 bytes', () => {
      for (const [algorithm, type, tag] of [
        [Algorithm.Ed25519, 'ed25519', 0x07],
        [Algorithm.X25519, 'x25519', 0x08],
      ] as const) {
        const key = generateKeyPairSync(type as 'ed25519').privateKey;
        const raw = new Uint8Array(key.export({type: 'pkcs8', format: 'der'}).subarray(-32));
        const imported = importPrivateKey(algorithm, [{tag, value: raw}]);
        expect(isSameKey(spkiOf(imported), spkiOf(key))).toBe(true);
      }
    });

    it('refuses with 6A80 inconsistent RSA parts, a missing part, and private values of the wrong size or zero', () => {
      const rsa = generateKeyPairSync('rsa', {modulusLength: 1024}).privateKey;
      const parts: Tlv[] = (['p', 'q', 'dp', 'dq', 'qi'] as const).map((part, index) => ({
        tag: index + 1,
        value: jwkPart(rsa, part),
      }));
      const swapped = [parts[0]!, parts[1]!, {...parts[3]!, tag: 3}, {...parts[2]!, tag: 4}, parts[4]!];
      expect(refusal(() => importPrivateKey(Algorithm.Rsa1024, swapped))).toBe(WRONG_DATA);
      expect(refusal(() => importPrivateKey(Algorithm.Rsa1024, parts.slice(0, 4)))).toBe(WRONG_DATA);
      expect(refusal(() => importPrivateKey(Algorithm.Rsa2048, parts))).toBe(WRONG_DATA);
      expect(
        refusal(() => importPrivateKey(Algorithm.EccP256, [{tag: 0x06, value: new Uint8Array(31)}])),
      ).toBe(WRONG_DATA);
      expect(
        refusal(() => importPrivateKey(Algorithm.EccP256, [{tag: 0x06, value: new Uint8Array(32)}])),
      ).toBe(WRONG_DATA);
    });
  });
});
