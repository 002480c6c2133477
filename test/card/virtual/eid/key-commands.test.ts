import {constants, createHash, publicDecrypt, verify as verifySignature} from 'node:crypto';
import {beforeAll, describe, expect, it} from 'vitest';
import {hex, toHex} from '../../../apdu/transcript-transport.js';
import {Algorithm} from '../../../../source/card/piv/constants.js';
import {VirtualEidCard} from '../../../../source/card/virtual/eid/eid-card.js';
import {JCOP4_TIMING} from '../../../../source/card/virtual/timing.js';
import {swHex} from '../card-under-test.js';
import {DEFAULT_EID_PINS, keyFileKey, oldCa, oldSithsCardUnderTest, padded} from './eid-card-under-test.js';

const {authentication: LEGITIMERING, signature: UNDERSKRIFT} = DEFAULT_EID_PINS;
const SHA256_PREFIX = hex('30 31 30 0D 06 09 60 86 48 01 65 03 04 02 01 05 00 04 20');
const document = new TextEncoder().encode('a login challenge');
const digestInfo = Uint8Array.from([...SHA256_PREFIX, ...createHash('sha256').update(document).digest()]);

beforeAll(async () => {
  await oldCa();
});

describe('signing on the EID card', () => {
  it('signs with the Legitimering key after the Legitimering PIN, a signature openssl would verify', async () => {
    const {verify, sign, card} = await oldSithsCardUnderTest();
    expect(swHex((await sign(0x4b01, digestInfo)).sw)).toBe('6982');
    await verify(0x81, LEGITIMERING);
    const signed = await sign(0x4b01, digestInfo);
    expect(swHex(signed.sw)).toBe('9000');
    expect(verifySignature('sha256', document, keyFileKey(card, '3F0050154B01'), signed.data)).toBe(true);
    expect(swHex((await sign(0x4b01, digestInfo)).sw)).toBe('9000');
  });

  it('refuses the Underskrift key after the Legitimering PIN only, and needs its PIN again before every signature', async () => {
    const {verify, sign, card} = await oldSithsCardUnderTest();
    await verify(0x81, LEGITIMERING);
    expect(swHex((await sign(0x4b02, digestInfo)).sw)).toBe('6982');
    await verify(0x82, UNDERSKRIFT);
    const signed = await sign(0x4b02, digestInfo);
    expect(verifySignature('sha256', document, keyFileKey(card, '3F0050154B02'), signed.data)).toBe(true);
    expect(swHex((await sign(0x4b02, digestInfo)).sw)).toBe('6982');
    await verify(0x82, UNDERSKRIFT);
    expect(swHex((await sign(0x4b02, digestInfo)).sw)).toBe('9000');
  });

  it('adds the SHA-1 DigestInfo for algorithm 12 and signs a raw 256-byte block sent as a command chain for 00', async () => {
    const {verify, sign, card} = await oldSithsCardUnderTest();
    await verify(0x81, LEGITIMERING);
    const sha1 = createHash('sha1').update(document).digest();
    const withSha1 = await sign(0x4b01, sha1, 0x12);
    const key = keyFileKey(card, '3F0050154B01');
    expect(verifySignature('sha1', document, key, withSha1.data)).toBe(true);
    const block = new Uint8Array(256).fill(0x42);
    block[0] = 0x00;
    const raw = await sign(0x4b01, block, 0x00);
    expect(swHex(raw.sw)).toBe('9000');
    expect(toHex(new Uint8Array(publicDecrypt({key, padding: constants.RSA_NO_PADDING}, raw.data)))).toBe(
      toHex(block),
    );
  });

  it('refuses MSE for a file that is not a key (6A88), a wrong key reference (6A88), deciphering (6A81), and PSO before MSE (6985)', async () => {
    const {raw, selectPath} = await oldSithsCardUnderTest();
    await selectPath('5015');
    expect(swHex((await raw('00 2A 9E 9A 03 01 02 03')).sw)).toBe('6985');
    expect(swHex((await raw('00 22 41 B6 0A 80 01 02 81 02 43 31 84 01 31')).sw)).toBe('6A88');
    expect(swHex((await raw('00 22 41 B6 0A 80 01 02 81 02 4B 01 84 01 02')).sw)).toBe('6A88');
    expect(swHex((await raw('00 22 41 B6 0A 80 01 07 81 02 4B 01 84 01 01')).sw)).toBe('6A80');
    expect(swHex((await raw('00 22 41 B8 0A 80 01 02 81 02 4B 01 84 01 01')).sw)).toBe('6A81');
  });
});

describe('key generation on the EID card', () => {
  it('generates an RSA-2048 key in a key file after its PIN, and GET DATA 0101 answers 258 bytes through 61 02', async () => {
    const {raw, selectPath, verify, card} = await oldSithsCardUnderTest();
    const old = toHex(card.inspect().keys.get('3F0050154B02')!.publicKey);
    await selectPath('5015 4B02');
    expect(swHex((await raw('00 46 00 00 09 92 00 08 00 00 18 01 00 01')).sw)).toBe('6982');
    await verify(0x82, UNDERSKRIFT);
    expect(swHex((await raw('00 46 00 00 09 92 00 08 00 00 18 01 00 01')).sw)).toBe('9000');
    const first = await raw('00 CA 01 01 00');
    expect(swHex(first.sw)).toBe('6102');
    const rest = await raw('00 C0 00 00 02');
    const answer = Uint8Array.from([...first.data, ...rest.data]);
    expect(toHex(answer.subarray(0, 2))).toBe('08 00');
    const key = card.inspect().keys.get('3F0050154B02')!;
    expect(toHex(key.publicKey)).not.toBe(old);
    const jwk = keyFileKey(card, '3F0050154B02').export({format: 'jwk'});
    expect(toHex(answer.subarray(2))).toBe(toHex(new Uint8Array(Buffer.from(jwk.n!, 'base64url'))));
  });

  it('leaves the key as it was when key generation fails, and refuses sizes and exponents it does not make', async () => {
    const {raw, selectPath, verify, card} = await oldSithsCardUnderTest();
    const old = toHex(card.inspect().keys.get('3F0050154B01')!.publicKey);
    await verify(0x81, LEGITIMERING);
    await selectPath('5015 4B01');
    card.faults.failKeyGeneration();
    expect(swHex((await raw('00 46 00 00 09 92 00 08 00 00 18 01 00 01')).sw)).toBe('6F00');
    expect(swHex((await raw('00 46 00 00 09 92 00 0C 00 00 18 01 00 01')).sw)).toBe('6A80');
    expect(swHex((await raw('00 46 00 00 08 92 00 08 00 00 10 00 03')).sw)).toBe('6A80');
    expect(toHex(card.inspect().keys.get('3F0050154B01')!.publicKey)).toBe(old);
  });

  it('answers GET CHALLENGE with as many random bytes as asked', async () => {
    const {raw} = await oldSithsCardUnderTest();
    const one = await raw('00 84 00 00 10');
    const two = await raw('00 84 00 00 10');
    expect(one.data.length).toBe(16);
    expect(toHex(one.data)).not.toBe(toHex(two.data));
  });
});

describe('the EID card in time', () => {
  it("takes a JCOP4 card's RSA-2048 key generation time and signature time, as the PIV card does", async () => {
    const {state} = await oldSithsCardUnderTest();
    const slept: number[] = [];
    const card = new VirtualEidCard({
      state,
      timing: JCOP4_TIMING,
      clock: {now: () => 0, sleep: async (ms) => void slept.push(ms)},
      random: () => 0.5,
    });
    card.reset();
    const send = (apdu: string | Uint8Array) => card.process(typeof apdu === 'string' ? hex(apdu) : apdu);
    await send('00 A4 08 0C 04 50 15 4B 02');
    await send(Uint8Array.of(0x00, 0x20, 0x00, 0x82, 0x08, ...padded(UNDERSKRIFT)));
    slept.length = 0;
    await send('00 46 00 00 09 92 00 08 00 00 18 01 00 01');
    const [generation] = slept;
    expect(generation).toBeGreaterThanOrEqual(JCOP4_TIMING.keyGeneration[Algorithm.Rsa2048]!.minMs);
    expect(generation).toBeLessThanOrEqual(JCOP4_TIMING.keyGeneration[Algorithm.Rsa2048]!.maxMs + 100);
    await send(Uint8Array.of(0x00, 0x20, 0x00, 0x82, 0x08, ...padded(UNDERSKRIFT)));
    await send('00 22 41 B6 0A 80 01 02 81 02 4B 02 84 01 02');
    slept.length = 0;
    await send(Uint8Array.of(0x00, 0x2a, 0x9e, 0x9a, digestInfo.length, ...digestInfo));
    expect(slept[0]).toBeGreaterThanOrEqual(
      JCOP4_TIMING.commandMs + JCOP4_TIMING.privateKeyOperationMs[Algorithm.Rsa2048]!,
    );
  });
});
