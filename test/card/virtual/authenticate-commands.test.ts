import {
  constants,
  createECDH,
  createHash,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  publicDecrypt,
  verify,
  type KeyObject,
} from 'node:crypto';
import {describe, expect, it} from 'vitest';
import {
  concatBytes,
  decodeSingleTlv,
  decodeTlvs,
  encodeTlv,
  encodeTlvs,
  findTlv,
} from '../../../source/apdu/tlv.js';
import {Algorithm, Slot} from '../../../source/card/piv/constants.js';
import {blankCard} from '../../../source/card/virtual/profiles.js';
import {DEFAULT_MANAGEMENT_KEY} from '../../../source/card/virtual/state.js';
import {hex, toHex} from '../../apdu/transcript-transport.js';
import {cardUnderTest, hostCipher, swHex, type CardUnderTest} from './card-under-test.js';

async function readyCard(firmware = {major: 5, minor: 7, patch: 2}): Promise<CardUnderTest> {
  const bench = await cardUnderTest({state: await blankCard({serial: 7, firmware})});
  await bench.select();
  return bench;
}

function ga(bench: CardUnderTest, p1: number, p2: number, template: Uint8Array) {
  return bench.send({cla: 0, ins: 0x87, p1, p2, data: encodeTlv(0x7c, template), le: 256});
}

function element(response: Uint8Array, tag: number): Uint8Array {
  return findTlv(decodeTlvs(decodeSingleTlv(response, 0x7c)), tag)!;
}

/** The status word of a P-256 signature in `slot`: GENERAL AUTHENTICATE with 82 empty and a 32-byte digest in 81. */
async function signStatus(bench: CardUnderTest, slot: number): Promise<string> {
  const request = encodeTlvs([
    {tag: 0x82, value: new Uint8Array()},
    {tag: 0x81, value: new Uint8Array(32).fill(1)},
  ]);
  return swHex((await ga(bench, Algorithm.EccP256, slot, request)).sw);
}

async function putSomething(bench: CardUnderTest): Promise<string> {
  return swHex(
    (await bench.send({cla: 0, ins: 0xdb, p1: 0x3f, p2: 0xff, data: hex('5C 03 5F FF 10 53 01 00')})).sw,
  );
}

/** Generates a key in `slot` (after authenticating) and returns its SPKI public key. */
async function generate(
  bench: CardUnderTest,
  slot: number,
  algorithm: Algorithm,
  pinPolicy?: number,
): Promise<KeyObject> {
  await bench.authenticate();
  const policy = pinPolicy === undefined ? [] : [0xaa, 0x01, pinPolicy];
  const response = await bench.send({
    cla: 0,
    ins: 0x47,
    p1: 0,
    p2: slot,
    data: Uint8Array.of(0xac, 3 + policy.length, 0x80, 0x01, algorithm, ...policy),
    le: 256,
  });
  expect(swHex(response.sw)).toBe('9000');
  return createPublicKey({
    key: Buffer.from(bench.card.inspect().keys.get(slot)!.publicKey),
    format: 'der',
    type: 'spki',
  });
}

function pkcs1Block(message: Uint8Array, modulusBytes: number): Uint8Array {
  const digestInfo = concatBytes([
    hex('30 31 30 0D 06 09 60 86 48 01 65 03 04 02 01 05 00 04 20'),
    createHash('sha256').update(message).digest(),
  ]);
  return concatBytes([
    hex('00 01'),
    new Uint8Array(modulusBytes - digestInfo.length - 3).fill(0xff),
    hex('00'),
    digestInfo,
  ]);
}

const MESSAGE = new TextEncoder().encode('Jag godkänner villkoren');

describe('management key authentication', () => {
  it.each([
    ['3DES', Algorithm.TripleDes, 24],
    ['AES-128', Algorithm.Aes128, 16],
    ['AES-192', Algorithm.Aes192, 24],
    ['AES-256', Algorithm.Aes256, 32],
  ])('authenticates both ways with a %s key', async (_, algorithm, length) => {
    const bench = await readyCard();
    expect(swHex(await bench.authenticate())).toBe('9000');
    const key = Uint8Array.from({length}, (_, index) => index * 7 + 1);
    const set = await bench.send({
      cla: 0,
      ins: 0xff,
      p1: 0xff,
      p2: 0xff,
      data: concatBytes([Uint8Array.of(algorithm, 0x9b, length), key]),
    });
    expect(swHex(set.sw)).toBe('9000');
    bench.card.reset();
    await bench.select();
    // The factory key is refused: by its algorithm (6A86) or, for another AES-192 key, by its answer (6982).
    expect(swHex(await bench.authenticate())).toBe(algorithm === Algorithm.Aes192 ? '6982' : '6A86');
    expect(swHex(await bench.authenticate(key, algorithm))).toBe('9000');
    expect(await putSomething(bench)).toBe('9000');
  });

  it('takes P1 00 for a 3DES key, as OpenSC sends it', async () => {
    const bench = await readyCard({major: 5, minor: 4, patch: 3});
    expect(swHex(await bench.authenticate(DEFAULT_MANAGEMENT_KEY, Algorithm.TripleDes))).toBe('9000');
    const witness = await ga(bench, 0x00, Slot.CardManagement, hex('80 00'));
    expect([swHex(witness.sw), element(witness.data, 0x80).length]).toEqual(['9000', 8]);
  });

  it('refuses a wrong key with 6982 and leaves the host unauthenticated', async () => {
    const bench = await readyCard();
    expect(swHex(await bench.authenticate(new Uint8Array(24).fill(9)))).toBe('6982');
    expect(await putSomething(bench)).toBe('6982');
  });

  it('accepts the NIST form with 82 00 and elements in any order', async () => {
    const bench = await readyCard();
    const witness = element((await ga(bench, Algorithm.Aes192, 0x9b, hex('80 00'))).data, 0x80);
    const challenge = new Uint8Array(16).fill(0x5a);
    const answer = await ga(
      bench,
      Algorithm.Aes192,
      0x9b,
      encodeTlvs([
        {tag: 0x81, value: challenge},
        {tag: 0x82, value: new Uint8Array()},
        {tag: 0x80, value: hostCipher(Algorithm.Aes192, DEFAULT_MANAGEMENT_KEY, witness, false)},
      ]),
    );
    expect(swHex(answer.sw)).toBe('9000');
    expect(toHex(element(answer.data, 0x82))).toBe(
      toHex(hostCipher(Algorithm.Aes192, DEFAULT_MANAGEMENT_KEY, challenge, true)),
    );
  });

  it('takes each witness once, and forgets it on SELECT', async () => {
    const bench = await readyCard();
    const reply = async () => {
      const witness = element((await ga(bench, Algorithm.Aes192, 0x9b, hex('80 00'))).data, 0x80);
      const answer = encodeTlvs([
        {tag: 0x80, value: hostCipher(Algorithm.Aes192, DEFAULT_MANAGEMENT_KEY, witness, false)},
        {tag: 0x81, value: new Uint8Array(16)},
      ]);
      return answer;
    };
    const answer = await reply();
    expect(swHex((await ga(bench, Algorithm.Aes192, 0x9b, answer)).sw)).toBe('9000');
    expect(swHex((await ga(bench, Algorithm.Aes192, 0x9b, answer)).sw)).toBe('6982');
    const fresh = await reply();
    await bench.select();
    expect(swHex((await ga(bench, Algorithm.Aes192, 0x9b, fresh)).sw)).toBe('6982');
  });

  it('authenticates the host by single authentication, and refuses a wrong answer', async () => {
    const bench = await readyCard();
    const challenge = element((await ga(bench, Algorithm.Aes192, 0x9b, hex('81 00'))).data, 0x81);
    expect(challenge.length).toBe(16);
    const wrong = await ga(bench, Algorithm.Aes192, 0x9b, encodeTlv(0x82, new Uint8Array(16)));
    expect(swHex(wrong.sw)).toBe('6982');
    const again = element((await ga(bench, Algorithm.Aes192, 0x9b, hex('81 00'))).data, 0x81);
    const right = await ga(
      bench,
      Algorithm.Aes192,
      0x9b,
      encodeTlv(0x82, hostCipher(Algorithm.Aes192, DEFAULT_MANAGEMENT_KEY, again, true)),
    );
    expect([swHex(right.sw), right.data.length]).toEqual(['9000', 0]);
    expect(await putSomething(bench)).toBe('9000');
  });

  it('answers 6A80 to templates that are no step of either protocol', async () => {
    const bench = await readyCard();
    expect(swHex((await ga(bench, Algorithm.Aes192, 0x9b, hex('80 10 ' + '00 '.repeat(16)))).sw)).toBe(
      '6A80',
    );
    expect(swHex((await bench.send({cla: 0, ins: 0x87, p1: 0x0a, p2: 0x9b, data: hex('80 00')})).sw)).toBe(
      '6A80',
    );
    const witness = element((await ga(bench, Algorithm.Aes192, 0x9b, hex('80 00'))).data, 0x80);
    const shortChallenge = encodeTlvs([
      {tag: 0x80, value: hostCipher(Algorithm.Aes192, DEFAULT_MANAGEMENT_KEY, witness, false)},
      {tag: 0x81, value: new Uint8Array(8)},
    ]);
    expect(swHex((await ga(bench, Algorithm.Aes192, 0x9b, shortChallenge)).sw)).toBe('6A80');
  });
});

describe('SET MANAGEMENT KEY', () => {
  it('needs the management key', async () => {
    const bench = await readyCard();
    const data = concatBytes([hex('0A 9B 18'), DEFAULT_MANAGEMENT_KEY]);
    expect(swHex((await bench.send({cla: 0, ins: 0xff, p1: 0xff, p2: 0xff, data})).sw)).toBe('6982');
  });

  it('answers 6A80 to a key of the wrong length or an unknown algorithm, and AES before firmware 5.4', async () => {
    const bench = await readyCard();
    await bench.authenticate();
    for (const data of [
      '0A 9B 10 ' + '01 '.repeat(16),
      '07 9B 18 ' + '01 '.repeat(24),
      '0A 9C 18 ' + '01 '.repeat(24),
    ])
      expect(swHex((await bench.send({cla: 0, ins: 0xff, p1: 0xff, p2: 0xff, data: hex(data)})).sw)).toBe(
        '6A80',
      );
    const old = await readyCard({major: 5, minor: 2, patch: 7});
    await old.authenticate(DEFAULT_MANAGEMENT_KEY, Algorithm.TripleDes);
    const aes = hex('08 9B 10 ' + '01 '.repeat(16));
    expect(swHex((await old.send({cla: 0, ins: 0xff, p1: 0xff, p2: 0xff, data: aes})).sw)).toBe('6A80');
  });

  it('records touch when P2 is FE', async () => {
    const bench = await readyCard();
    await bench.authenticate();
    const data = concatBytes([hex('0A 9B 18'), new Uint8Array(24).fill(3)]);
    expect(swHex((await bench.send({cla: 0, ins: 0xff, p1: 0xff, p2: 0xfe, data})).sw)).toBe('9000');
    expect(toHex((await bench.raw('00 F7 00 9B 00')).data)).toBe('01 01 0A 02 02 00 02 05 01 00');
  });
});

describe('GENERAL AUTHENTICATE with slot keys', () => {
  it.each([
    ['P-256', Algorithm.EccP256, 'sha256'],
    ['P-384', Algorithm.EccP384, 'sha384'],
  ])('signs a %s digest: the DER signature verifies over the message', async (_, algorithm, hash) => {
    const bench = await readyCard();
    const publicKey = await generate(bench, Slot.Authentication, algorithm);
    await bench.verifyPin();
    const digest = createHash(hash).update(MESSAGE).digest();
    const response = await ga(
      bench,
      algorithm,
      Slot.Authentication,
      encodeTlvs([
        {tag: 0x82, value: new Uint8Array()},
        {tag: 0x81, value: digest},
      ]),
    );
    expect(swHex(response.sw)).toBe('9000');
    expect(response.data[2]).toBe(0x82);
    expect(verify(hash, MESSAGE, {key: publicKey, dsaEncoding: 'der'}, element(response.data, 0x82))).toBe(
      true,
    );
  });

  it('signs raw RSA: a PKCS#1 block in, a signature that node verifies out, chained both ways at 2048 bits', async () => {
    const bench = await readyCard();
    const publicKey = await generate(bench, Slot.Signature, Algorithm.Rsa2048);
    await bench.verifyPin();
    const block = pkcs1Block(MESSAGE, 256);
    const response = await ga(
      bench,
      Algorithm.Rsa2048,
      Slot.Signature,
      encodeTlvs([
        {tag: 0x82, value: new Uint8Array()},
        {tag: 0x81, value: block},
      ]),
    );
    expect(swHex(response.sw)).toBe('9000');
    const signature = element(response.data, 0x82);
    expect(signature.length).toBe(256);
    expect(verify('sha256', MESSAGE, publicKey, signature)).toBe(true);
    expect(toHex(publicDecrypt({key: publicKey, padding: constants.RSA_NO_PADDING}, signature))).toBe(
      toHex(block),
    );
  });

  it('answers 6A80 to an RSA block that is not as long as the modulus or not smaller than it', async () => {
    const bench = await readyCard();
    await generate(bench, Slot.CardAuthentication, Algorithm.Rsa1024);
    for (const block of [new Uint8Array(127).fill(1), new Uint8Array(128).fill(0xff)]) {
      const response = await ga(
        bench,
        Algorithm.Rsa1024,
        Slot.CardAuthentication,
        encodeTlvs([
          {tag: 0x82, value: new Uint8Array()},
          {tag: 0x81, value: block},
        ]),
      );
      expect(swHex(response.sw)).toBe('6A80');
    }
  });

  it('agrees a key with ECDH: the shared X coordinate equals the host side', async () => {
    const bench = await readyCard();
    const publicKey = await generate(bench, Slot.KeyManagement, Algorithm.EccP256);
    await bench.verifyPin();
    const host = createECDH('prime256v1');
    host.generateKeys();
    const response = await ga(
      bench,
      Algorithm.EccP256,
      Slot.KeyManagement,
      encodeTlvs([
        {tag: 0x82, value: new Uint8Array()},
        {tag: 0x85, value: host.getPublicKey()},
      ]),
    );
    expect(swHex(response.sw)).toBe('9000');
    const cardPoint = publicKey.export({format: 'der', type: 'spki'}).subarray(-65);
    expect(toHex(element(response.data, 0x82))).toBe(toHex(host.computeSecret(cardPoint)));
    const offCurve = concatBytes([hex('04'), new Uint8Array(64).fill(1)]);
    const bad = await ga(
      bench,
      Algorithm.EccP256,
      Slot.KeyManagement,
      encodeTlvs([
        {tag: 0x82, value: new Uint8Array()},
        {tag: 0x85, value: offCurve},
      ]),
    );
    expect(swHex(bad.sw)).toBe('6A80');
  });

  it('signs with Ed25519 and agrees with X25519 at firmware 5.7', async () => {
    const bench = await readyCard();
    const edKey = await generate(bench, Slot.Retired1, Algorithm.Ed25519);
    await bench.verifyPin();
    const signature = await ga(
      bench,
      Algorithm.Ed25519,
      Slot.Retired1,
      encodeTlvs([
        {tag: 0x82, value: new Uint8Array()},
        {tag: 0x81, value: MESSAGE},
      ]),
    );
    expect(verify(null, MESSAGE, edKey, element(signature.data, 0x82))).toBe(true);
    const xKey = await generate(bench, Slot.Retired2, Algorithm.X25519);
    const host = generateKeyPairSync('x25519');
    const peer = host.publicKey.export({format: 'der', type: 'spki'}).subarray(-32);
    const secret = await ga(
      bench,
      Algorithm.X25519,
      Slot.Retired2,
      encodeTlvs([
        {tag: 0x82, value: new Uint8Array()},
        {tag: 0x85, value: peer},
      ]),
    );
    expect(toHex(element(secret.data, 0x82))).toBe(
      toHex(diffieHellman({privateKey: host.privateKey, publicKey: xKey})),
    );
  });

  it('needs the PIN once for 9A: refused before VERIFY, then allowed again and again', async () => {
    const bench = await readyCard();
    await generate(bench, Slot.Authentication, Algorithm.EccP256);
    const sign = () => signStatus(bench, Slot.Authentication);
    expect(await sign()).toBe('6982');
    await bench.verifyPin();
    expect([await sign(), await sign()]).toEqual(['9000', '9000']);
  });

  it('needs a fresh VERIFY before each use of 9C', async () => {
    const bench = await readyCard();
    await generate(bench, Slot.Signature, Algorithm.EccP256);
    const sign = () => signStatus(bench, Slot.Signature);
    await bench.verifyPin();
    expect([await sign(), await sign()]).toEqual(['9000', '6982']);
    await bench.verifyPin();
    expect(await sign()).toBe('9000');
  });

  it('never needs the PIN for 9E, and honours an explicit PIN policy', async () => {
    const bench = await readyCard();
    await generate(bench, Slot.CardAuthentication, Algorithm.EccP256);
    await generate(bench, Slot.Retired3, Algorithm.EccP256, 0x03);
    const sign = (slot: number) => signStatus(bench, slot);
    expect(await sign(Slot.CardAuthentication)).toBe('9000');
    await bench.verifyPin();
    expect([await sign(Slot.Retired3), await sign(Slot.Retired3)]).toEqual(['9000', '6982']);
  });

  it('answers 6A88 for an empty slot or no slot, 6A86 for the wrong algorithm, 6A80 for a malformed template', async () => {
    const bench = await readyCard();
    await generate(bench, Slot.CardAuthentication, Algorithm.EccP256);
    const request = encodeTlvs([
      {tag: 0x82, value: new Uint8Array()},
      {tag: 0x81, value: new Uint8Array(32)},
    ]);
    expect(swHex((await ga(bench, Algorithm.EccP256, Slot.Authentication, request)).sw)).toBe('6A88');
    expect(swHex((await ga(bench, Algorithm.EccP256, 0x80, request)).sw)).toBe('6A88');
    expect(swHex((await ga(bench, Algorithm.EccP384, Slot.CardAuthentication, request)).sw)).toBe('6A86');
    expect(
      swHex(
        (await ga(bench, Algorithm.EccP256, Slot.CardAuthentication, hex('81 20' + ' 00'.repeat(32)))).sw,
      ),
    ).toBe('6A80');
    expect(
      swHex((await ga(bench, Algorithm.EccP256, Slot.CardAuthentication, hex('82 00 81 00 85 00'))).sw),
    ).toBe('6A80');
  });
});
