import {createPublicKey, verify} from 'node:crypto';
import {gzipSync} from 'node:zlib';
import {describe, expect, it} from 'vitest';
import {ApduProtocol} from '../../../source/apdu/protocol.js';
import {encodeTlv, encodeTlvs, concatBytes} from '../../../source/apdu/tlv.js';
import {TransportError} from '../../../source/apdu/transports/errors.js';
import {InProcessTransport} from '../../../source/apdu/transports/in-process.js';
import {
  CardFullError,
  FeatureNotSupportedError,
  InvalidPinError,
  InvalidPukError,
  ManagementKeyError,
  ManagementKeyRequiredError,
  PinBlockedError,
  PinFormatError,
  PinRequiredError,
} from '../../../source/card/errors.js';
import {Algorithm, ObjectId, PinPolicy, Slot} from '../../../source/card/piv/constants.js';
import {LocalManagementKey} from '../../../source/card/piv/management-key.js';
import {decodeKeyHistory} from '../../../source/card/piv/objects.js';
import {PivSession, type FirmwareVersion, type PivSessionOptions} from '../../../source/card/piv/session.js';
import {DEFAULT_MANAGEMENT_KEY, factoryState, type CardState} from '../../../source/card/virtual/state.js';
import {oldSithsCard} from '../../../source/card/virtual/profiles.js';
import {INSTANT_TIMING} from '../../../source/card/virtual/timing.js';
import {VirtualPivCard} from '../../../source/card/virtual/virtual-card.js';
import {buildCertificateRequest, verifyCertificateRequest} from '../../../source/pki/csr.js';
import {createCertificateAuthority} from '../../../source/pki/issue.js';
import {publicKeysEqual} from '../../../source/pki/public-key.js';
import {certificateFor, encodeFascn, someCertificate} from './card-objects.js';
import {CountingTransport} from './counting-transport.js';
import {describeWithOpenssl, openssl} from '../../pki/openssl.js';

/**
 * Every session operation against the virtual card in this process (instant timing), counting the APDUs that
 * reach the card. The default virtual card is a YubiKey 5.7: extended APDUs, AES-192 management key.
 */

const SERIAL = 0x00c0ffee;

interface TestCard {
  readonly card: VirtualPivCard;
  readonly transport: CountingTransport;
  readonly session: PivSession;
  /** A second session on the same card (after a reconnect), as the next run of the tool would open it. */
  reopen(options?: PivSessionOptions): Promise<PivSession>;
}

async function openCard(
  options: PivSessionOptions & {firmware?: FirmwareVersion; state?: CardState} = {},
): Promise<TestCard> {
  const card = new VirtualPivCard({
    state: options.state ?? factoryState({serial: SERIAL, firmware: options.firmware}),
    timing: INSTANT_TIMING,
  });
  const transport = new CountingTransport(new InProcessTransport(card));
  const session = await PivSession.open(transport, options);
  transport.take();
  return {
    card,
    transport,
    session,
    async reopen(reopenOptions = options) {
      await transport.reconnect();
      const next = await PivSession.open(transport, reopenOptions);
      transport.take();
      return next;
    },
  };
}

function managementKey(): LocalManagementKey {
  return new LocalManagementKey(DEFAULT_MANAGEMENT_KEY);
}

/** Writes an object as another issuer's tool would: raw PUT DATA 5C {id} 53 {value}, after the management key. */
async function putRaw(test: TestCard, objectId: number, value: Uint8Array): Promise<void> {
  await test.session.authenticate(managementKey());
  const id = Uint8Array.of(objectId >> 16, (objectId >> 8) & 0xff, objectId & 0xff);
  await new ApduProtocol(test.transport, {extended: true}).send({
    cla: 0,
    ins: 0xdb,
    p1: 0x3f,
    p2: 0xff,
    data: concatBytes([encodeTlv(0x5c, id), encodeTlv(0x53, value)]),
  });
  test.transport.take();
}

function certificateObject(certificate: Uint8Array): Uint8Array {
  return encodeTlvs([
    {tag: 0x70, value: certificate},
    {tag: 0x71, value: Uint8Array.of(0)},
    {tag: 0xfe, value: new Uint8Array()},
  ]);
}

function keyHistoryOf(test: TestCard): number | undefined {
  const value = test.card.inspect().objects.get(ObjectId.KeyHistory);
  return value && decodeKeyHistory(value).onCardCertificates;
}

describe('opening a session and reading who the card is', () => {
  it('opens with one SELECT and reads the identity with three APDUs, then from the cache', async () => {
    const card = new VirtualPivCard({state: factoryState({serial: SERIAL}), timing: INSTANT_TIMING});
    const transport = new CountingTransport(new InProcessTransport(card));
    const session = await PivSession.open(transport);
    expect(transport.takeInstructions()).toEqual(['A4']);
    expect(session.isExtended).toBe(true);

    const identity = await session.readIdentity();
    expect(transport.takeInstructions()).toEqual(['CB', 'FD', 'F8']);
    expect(identity).toEqual({
      cardNumber: undefined,
      cardId: String(SERIAL),
      guid: undefined,
      fascn: undefined,
      serial: SERIAL,
      version: {major: 5, minor: 7, patch: 2},
      hasChuid: false,
    });
    await session.readIdentity();
    expect(transport.take()).toBe(0);
  });

  it('reads the card number from the CHUID FASC-N, and the GUID', async () => {
    const test = await openCard();
    const guid = Uint8Array.from({length: 16}, (_, index) => index + 1);
    await putRaw(
      test,
      ObjectId.Chuid,
      encodeTlvs([
        {tag: 0x30, value: encodeFascn({agencyCode: '9752', systemCode: '2690', credentialNumber: '123456'})},
        {tag: 0x34, value: guid},
        {tag: 0x35, value: new TextEncoder().encode('20351231')},
        {tag: 0x3e, value: new Uint8Array()},
        {tag: 0xfe, value: new Uint8Array()},
      ]),
    );
    const session = await test.reopen();
    const identity = await session.readIdentity();
    expect(identity).toMatchObject({
      cardNumber: '97522690123456',
      cardId: '97522690123456',
      guid: Buffer.from(guid).toString('hex'),
      hasChuid: true,
    });
    expect(identity.fascn?.credentialNumber).toBe('123456');
  });

  it('uses short APDUs when told to, even on a card that takes extended ones', async () => {
    const {session} = await openCard({extended: false});
    expect(session.isExtended).toBe(false);
  });

  it('reads Discovery once', async () => {
    const {session, transport} = await openCard();
    const discovery = await session.discovery();
    expect(discovery).toMatchObject({hasPivPin: true, hasGlobalPin: false});
    await session.discovery();
    expect(transport.take()).toBe(1);
  });
});

describe("an old SITHS card (the virtual card's old-siths profile)", () => {
  const holder = {
    givenName: 'Anna',
    surname: 'Andersson',
    hsaId: 'SE2321000016-1234',
    cardNumber: '97522690012345',
  };

  async function oldSiths(): Promise<TestCard> {
    const issuer = await createCertificateAuthority({
      name: [{type: 'commonName', value: 'Old SITHS CA'}],
      keyAlgorithm: 'ecc-p256',
      notBefore: new Date('2020-01-01T00:00:00Z'),
      notAfter: new Date('2040-01-01T00:00:00Z'),
    });
    const state = await oldSithsCard({holder, pin: '246813', issuer, managementKey: DEFAULT_MANAGEMENT_KEY});
    return openCard({state});
  }

  it('reads the printed card number from the CHUID, and the credential in 9A and 9C, in nine APDUs', async () => {
    const {session, transport, card} = await oldSiths();
    expect(await session.readIdentity()).toMatchObject({
      cardNumber: holder.cardNumber,
      cardId: holder.cardNumber,
    });
    const listed = await session.readCertificates();
    expect(listed.map(({slot}) => slot)).toEqual([Slot.Authentication, Slot.Signature]);
    // CHUID, version, serial; 9A 9C 9D 9E; Key History (none); 82 (empty, ends the search).
    expect(transport.take()).toBe(3 + 4 + 1 + 1);
    const keys = card.inspect().keys;
    expect(await session.readPublicKey(Slot.Authentication)).toEqual(
      keys.get(Slot.Authentication)?.publicKey,
    );
    expect((await session.slotMetadata(Slot.Signature))?.pinPolicy).toBe(PinPolicy.Always);
  });
});

describe('the PIN', () => {
  it('counts down the tries on wrong PINs, says when one is left, then that it is blocked', async () => {
    const {session, transport} = await openCard();
    await expect(session.verifyPin('111111')).rejects.toMatchObject({code: 'invalid-pin', triesLeft: 2});
    const lastTry = await session.verifyPin('111111').catch((error: unknown) => error);
    expect(lastTry).toBeInstanceOf(InvalidPinError);
    expect(lastTry).toMatchObject({triesLeft: 1});
    expect(await session.pinStatus()).toEqual({type: 'unverified', triesLeft: 1});
    await expect(session.verifyPin('111111')).rejects.toBeInstanceOf(PinBlockedError);
    await expect(session.verifyPin('123456')).rejects.toBeInstanceOf(PinBlockedError);
    expect(await session.pinStatus()).toEqual({type: 'blocked'});
    expect(transport.take()).toBe(6);
  });

  it('unblocks with the PUK, and counts down wrong PUKs', async () => {
    const {session} = await openCard();
    for (let tries = 0; tries < 3; tries++) await session.verifyPin('000000').catch(() => undefined);
    await expect(session.unblockPin('87654321', '654321')).rejects.toBeInstanceOf(InvalidPukError);
    await expect(session.unblockPin('87654321', '654321')).rejects.toMatchObject({
      code: 'invalid-puk',
      triesLeft: 1,
    });
    await session.unblockPin(new TextEncoder().encode('12345678'), new TextEncoder().encode('654321'));
    await session.verifyPin('654321');
    expect(await session.pinStatus()).toEqual({type: 'verified'});
  });

  it('says the PUK is blocked after its last try', async () => {
    const {session} = await openCard();
    for (let tries = 0; tries < 3; tries++)
      await session.unblockPin('00000000', '654321').catch(() => undefined);
    await expect(session.unblockPin('12345678', '654321')).rejects.toMatchObject({code: 'puk-blocked'});
  });

  it('changes the PIN in one APDU; a wrong current PIN costs a try', async () => {
    const {session, transport} = await openCard();
    await session.changePin('123456', '24681357');
    expect(transport.takeInstructions()).toEqual(['24']);
    await expect(session.changePin('123456', '111111')).rejects.toMatchObject({triesLeft: 2});
    await session.verifyPin('24681357');
  });

  it('refuses a malformed PIN or PUK without sending an APDU, so no try is spent', async () => {
    const {session, transport} = await openCard();
    await expect(session.verifyPin('12345')).rejects.toBeInstanceOf(PinFormatError);
    await expect(session.verifyPin('123456789')).rejects.toBeInstanceOf(PinFormatError);
    await expect(session.verifyPin('12345x')).rejects.toBeInstanceOf(PinFormatError);
    await expect(session.changePin('123456', '12')).rejects.toBeInstanceOf(PinFormatError);
    await expect(session.unblockPin('1234', '123456')).rejects.toMatchObject({reference: 'puk'});
    expect(transport.take()).toBe(0);
    expect(await session.pinStatus()).toEqual({type: 'unverified', triesLeft: 3});
  });
});

describe('the management key', () => {
  it('authenticates with the local key: three APDUs the first time, two after', async () => {
    const {session, transport} = await openCard();
    await session.authenticate(managementKey());
    expect(transport.takeInstructions()).toEqual(['FD', 'F7', '87', '87']);
    await session.authenticate(managementKey());
    expect(transport.takeInstructions()).toEqual(['87', '87']);
  });

  it('authenticates a 3DES key on a card without metadata', async () => {
    const {session, transport} = await openCard({firmware: {major: 5, minor: 2, patch: 7}});
    await session.authenticate(managementKey());
    expect(transport.takeInstructions()).toEqual(['FD', '87', '87']);
  });

  it('says the card refused a wrong key', async () => {
    const {session} = await openCard();
    const wrong = new LocalManagementKey(new Uint8Array(24).fill(7));
    await expect(session.authenticate(wrong)).rejects.toBeInstanceOf(ManagementKeyError);
    await expect(session.authenticate(wrong)).rejects.toMatchObject({reason: 'rejected-by-card'});
  });

  it('relays through an authenticator that holds the key elsewhere', async () => {
    const {session} = await openCard();
    const remote = managementKey();
    const seen: number[] = [];
    await session.authenticate({
      respond: async (algorithm, witness) => {
        seen.push(algorithm);
        return remote.respond(algorithm, witness);
      },
      verify: (response) => remote.verify(response),
    });
    expect(seen).toEqual([Algorithm.Aes192]);
  });

  it('says the management key is needed before writing or generating', async () => {
    const {session} = await openCard();
    await expect(
      session.writeCertificate(Slot.Authentication, await someCertificate()),
    ).rejects.toBeInstanceOf(ManagementKeyRequiredError);
    await expect(session.generateKey(Slot.Authentication, Algorithm.EccP256)).rejects.toBeInstanceOf(
      ManagementKeyRequiredError,
    );
  });
});

describe('keys and signatures', () => {
  it('generates a P-256 key in one APDU; its SPKI is the card’s key, also as metadata says', async () => {
    const test = await openCard();
    await test.session.authenticate(managementKey());
    test.transport.take();
    const spki = await test.session.generateKey(Slot.Authentication, Algorithm.EccP256);
    expect(test.transport.takeInstructions()).toEqual(['47']);
    const onCard = test.card.inspect().keys.get(Slot.Authentication)?.publicKey;
    expect(publicKeysEqual(spki, onCard!)).toBe(true);
    expect(await test.session.readPublicKey(Slot.Authentication)).toEqual(spki);
    expect(test.transport.take()).toBe(0);

    const next = await test.reopen();
    expect(await next.readPublicKey(Slot.Authentication)).toEqual(spki);
    expect(test.transport.takeInstructions()).toEqual(['FD', 'F7']);
    expect(await next.slotMetadata(Slot.Authentication)).toMatchObject({
      algorithm: Algorithm.EccP256,
      isGenerated: true,
    });
    expect(await next.readPublicKey(Slot.Signature)).toBeUndefined();
  });

  it('signs with a P-256 key in one APDU, an ECDSA signature node verifies', async () => {
    const test = await openCard();
    await test.session.authenticate(managementKey());
    const spki = await test.session.generateKey(Slot.Authentication, Algorithm.EccP256);
    await test.session.verifyPin('123456');
    test.transport.take();
    const signer = test.session.signer(Slot.Authentication, spki);
    const message = new TextEncoder().encode('login challenge');
    const signature = await signer.sign(message);
    expect(test.transport.takeInstructions()).toEqual(['87']);
    const key = createPublicKey({key: Buffer.from(spki), format: 'der', type: 'spki'});
    expect(verify('sha256', message, {key, dsaEncoding: 'der'}, signature)).toBe(true);
  });

  it.each([
    {apdus: 'extended', extended: true, count: 2},
    {apdus: 'short', extended: false, count: 4},
  ])(
    'signs with an RSA-2048 key in 9C after re-verifying the PIN each time ($apdus APDUs: $count per signature)',
    async ({extended, count}) => {
      const test = await openCard({extended});
      await test.session.authenticate(managementKey());
      const spki = await test.session.generateKey(Slot.Signature, Algorithm.Rsa2048, {
        pinPolicy: PinPolicy.Always,
      });
      test.transport.take();
      let asked = 0;
      const signer = test.session.signer(Slot.Signature, spki, () => {
        asked++;
        return '123456';
      });
      expect(signer.algorithm).toBe('rsa-pkcs1-sha256');
      const message = new TextEncoder().encode('sign me');
      for (let round = 0; round < 2; round++) {
        const signature = await signer.sign(message);
        expect(test.transport.take()).toBe(count);
        expect(
          verify(
            'sha256',
            message,
            createPublicKey({key: Buffer.from(spki), format: 'der', type: 'spki'}),
            signature,
          ),
        ).toBe(true);
      }
      expect(asked).toBe(2);
    },
  );

  it('says the PIN is needed for a 9A signature before the PIN is verified', async () => {
    const {session} = await openCard();
    await session.authenticate(managementKey());
    const spki = await session.generateKey(Slot.Authentication, Algorithm.EccP256);
    await expect(session.signer(Slot.Authentication, spki).sign(new Uint8Array(1))).rejects.toBeInstanceOf(
      PinRequiredError,
    );
  });

  it('verifies the PIN and signs again when a key other than 9C needs the PIN each time', async () => {
    const test = await openCard();
    await test.session.authenticate(managementKey());
    const spki = await test.session.generateKey(Slot.Retired1, Algorithm.EccP256, {
      pinPolicy: PinPolicy.Always,
    });
    const next = await test.reopen();
    await next.verifyPin('123456');
    test.transport.take();
    await next.signer(Slot.Retired1, spki, () => '123456').sign(new Uint8Array(1));
    // The PIN verified before counts for one signature only; the card says so, the signer verifies and retries.
    await next.signer(Slot.Retired1, spki, () => '123456').sign(new Uint8Array(1));
    expect(test.transport.takeInstructions()).toEqual(['87', '87', '20', '87']);
  });

  it('sends PIN and touch policies only to a card that offers them', async () => {
    const old = await openCard({firmware: {major: 3, minor: 4, patch: 0}});
    await old.session.authenticate(managementKey());
    await expect(
      old.session.generateKey(Slot.Authentication, Algorithm.EccP256, {pinPolicy: PinPolicy.Once}),
    ).rejects.toBeInstanceOf(FeatureNotSupportedError);
    await old.session.generateKey(Slot.Authentication, Algorithm.EccP256);

    const current = await openCard();
    await current.session.authenticate(managementKey());
    await current.session.generateKey(Slot.Retired2, Algorithm.EccP256, {pinPolicy: PinPolicy.Never});
    expect(current.card.inspect().keys.get(Slot.Retired2)?.pinPolicy).toBe(PinPolicy.Never);
  });

  it('refuses RSA-4096 on firmware before 5.7 without sending the GENERATE', async () => {
    const {session, transport} = await openCard({firmware: {major: 5, minor: 4, patch: 3}});
    await session.authenticate(managementKey());
    transport.take();
    await expect(session.generateKey(Slot.Authentication, Algorithm.Rsa4096)).rejects.toBeInstanceOf(
      FeatureNotSupportedError,
    );
    expect(transport.take()).toBe(0);
  });

  it('deletes a key on firmware 5.7 in one APDU', async () => {
    const test = await openCard();
    await test.session.authenticate(managementKey());
    await test.session.generateKey(Slot.Retired1, Algorithm.EccP256);
    test.transport.take();
    expect(await test.session.destroyKey(Slot.Retired1)).toBe('deleted');
    expect(test.transport.takeInstructions()).toEqual(['F6']);
    expect(test.card.inspect().keys.has(Slot.Retired1)).toBe(false);
    expect(await test.session.readPublicKey(Slot.Retired1)).toBeUndefined();
  });

  it('overwrites a key with a throwaway key on firmware without DELETE KEY', async () => {
    const test = await openCard({firmware: {major: 5, minor: 4, patch: 3}});
    await test.session.authenticate(managementKey());
    const old = await test.session.generateKey(Slot.Retired1, Algorithm.Rsa2048);
    expect(await test.session.destroyKey(Slot.Retired1)).toBe('overwritten');
    const now = test.card.inspect().keys.get(Slot.Retired1)!;
    expect(publicKeysEqual(now.publicKey, old)).toBe(false);
    expect(await test.session.readPublicKey(Slot.Retired1)).toEqual(now.publicKey);
  });
});

describe('certificates', () => {
  it('writes a certificate to 9A in one extended APDU and reads it from the cache, or fresh from the card', async () => {
    const {session, transport} = await openCard();
    const certificate = await someCertificate();
    await session.authenticate(managementKey());
    transport.take();
    await session.writeCertificate(Slot.Authentication, certificate);
    expect(transport.takeInstructions()).toEqual(['DB']);
    expect(await session.readCertificate(Slot.Authentication)).toEqual({
      certificate,
      isCompressed: false,
      isWrapped: true,
    });
    expect(transport.take()).toBe(0);
    expect((await session.readCertificate(Slot.Authentication, {isFresh: true}))?.certificate).toEqual(
      certificate,
    );
    expect(transport.takeInstructions()).toEqual(['CB']);
  });

  it('chains a certificate write in 255-byte pieces on short APDUs, and reads it back in 256-byte pieces', async () => {
    const test = await openCard({extended: false});
    const certificate = await certificateFor(
      (await test.session.authenticate(managementKey()),
      await test.session.generateKey(Slot.Signature, Algorithm.Rsa2048)),
      'Anna Andersson (signature)',
    );
    test.transport.take();
    await test.session.writeCertificate(Slot.Signature, certificate);
    const objectLength = certificate.length + 4 + 3 + 2 + 4 + 5; // 70 L, 71 01 00, FE 00, 53 L, 5C 03 id
    expect(test.transport.take()).toBe(Math.ceil(objectLength / 255));
    const next = await test.reopen();
    expect((await next.readCertificate(Slot.Signature))?.certificate).toEqual(certificate);
    expect(test.transport.take()).toBe(Math.ceil((objectLength - 5) / 256));
  });

  it('stores a certificate gzip-compressed when asked, and reads it back', async () => {
    const test = await openCard();
    const certificate = await someCertificate();
    await test.session.authenticate(managementKey());
    await test.session.writeCertificate(Slot.KeyManagement, certificate, {isCompressed: true});
    const stored = test.card.inspect().objects.get(ObjectId.KeyManagementCertificate)!;
    expect(stored.at(-3)).toBe(0x01);
    const next = await test.reopen();
    expect(await next.readCertificate(Slot.KeyManagement)).toEqual({
      certificate,
      isCompressed: true,
      isWrapped: true,
    });
  });

  it('keeps Key History counting the retired certificates from 82 as they are written and deleted', async () => {
    const test = await openCard();
    const [first, second] = [await someCertificate('first'), await someCertificate('second')];
    await test.session.authenticate(managementKey());
    test.transport.take();

    await test.session.writeCertificate(Slot.Retired1, first);
    expect(test.transport.takeInstructions()).toEqual(['DB', 'CB', 'DB']);
    expect(keyHistoryOf(test)).toBe(1);
    await test.session.writeCertificate(Slot.Retired2, second);
    expect(test.transport.takeInstructions()).toEqual(['DB', 'DB']);
    expect(keyHistoryOf(test)).toBe(2);
    await test.session.writeCertificate(Slot.Retired1, second);
    expect(test.transport.takeInstructions()).toEqual(['DB']);
    expect(keyHistoryOf(test)).toBe(2);

    await test.session.deleteCertificate(Slot.Retired2);
    expect(test.transport.takeInstructions()).toEqual(['DB', 'DB']);
    expect(keyHistoryOf(test)).toBe(1);
    await test.session.deleteCertificate(Slot.Retired1);
    expect(keyHistoryOf(test)).toBe(0);
    expect(test.card.inspect().objects.get(ObjectId.Retired1Certificate) ?? new Uint8Array()).toEqual(
      new Uint8Array(),
    );
  });

  it('counts up to the highest retired certificate, so OpenSC sees one written after a gap', async () => {
    const test = await openCard();
    await test.session.authenticate(managementKey());
    test.transport.take();
    await test.session.writeCertificate(Slot.Retired3, await someCertificate());
    expect(test.transport.takeInstructions()).toEqual(['DB', 'CB', 'DB']);
    expect(keyHistoryOf(test)).toBe(3);
    await test.session.writeCertificate(Slot.Retired1, await someCertificate());
    await test.session.deleteCertificate(Slot.Retired1);
    expect(test.transport.takeInstructions()).toEqual(['DB', 'DB']);
    expect(keyHistoryOf(test)).toBe(3);
    // Deleting the highest: the slots below are looked at (83 read, 82 known empty) to find the new count.
    await test.session.deleteCertificate(Slot.Retired3);
    expect(test.transport.takeInstructions()).toEqual(['DB', 'CB', 'DB']);
    expect(keyHistoryOf(test)).toBe(0);
  });

  it('lists every certificate: standard slots, retired ones Key History counts, and one written before Key History', async () => {
    const test = await openCard();
    const certificates = await Promise.all(['9A', '82', '83', '84'].map((name) => someCertificate(name)));
    await test.session.authenticate(managementKey());
    await test.session.writeCertificate(Slot.Authentication, certificates[0]!);
    await test.session.writeCertificate(Slot.Retired1, certificates[1]!);
    await test.session.writeCertificate(Slot.Retired2, certificates[2]!);
    // A run torn between the certificate and its Key History update: 84 holds a certificate Key History does not count.
    await putRaw(test, ObjectId.Retired3Certificate, certificateObject(certificates[3]!));
    expect(keyHistoryOf(test)).toBe(2);

    const next = await test.reopen();
    const listed = await next.readCertificates();
    expect(listed.map(({slot, certificate}) => [slot, certificate])).toEqual([
      [Slot.Authentication, certificates[0]],
      [Slot.Retired1, certificates[1]],
      [Slot.Retired2, certificates[2]],
      [Slot.Retired3, certificates[3]],
    ]);
    // 9A 9C 9D 9E, Key History, 82 83 84 and the empty 85 that ends the search.
    expect(test.transport.take()).toBe(4 + 1 + 4);
    await next.readCertificates();
    expect(test.transport.take()).toBe(0);
  });

  it('reads a card someone else set up: empty objects, no CertInfo, a raw certificate, gzip, no CHUID, no Key History', async () => {
    const test = await openCard();
    const raw = await someCertificate('raw');
    const compressed = await someCertificate('compressed');
    const bare = await someCertificate('bare');
    await putRaw(test, ObjectId.AuthenticationCertificate, new Uint8Array());
    await putRaw(test, ObjectId.SignatureCertificate, raw);
    await putRaw(
      test,
      ObjectId.KeyManagementCertificate,
      encodeTlvs([
        {tag: 0x70, value: gzipSync(compressed)},
        {tag: 0x71, value: Uint8Array.of(1)},
        {tag: 0xfe, value: new Uint8Array()},
      ]),
    );
    await putRaw(test, ObjectId.CardAuthenticationCertificate, encodeTlv(0x70, bare));

    const session = await test.reopen();
    expect((await session.readIdentity()).hasChuid).toBe(false);
    expect(await session.keyHistory()).toBeUndefined();
    expect(await session.readCertificates()).toEqual([
      {slot: Slot.Signature, certificate: raw, isCompressed: false, isWrapped: false},
      {slot: Slot.KeyManagement, certificate: compressed, isCompressed: true, isWrapped: true},
      {slot: Slot.CardAuthentication, certificate: bare, isCompressed: false, isWrapped: true},
    ]);
  });

  it('leaves the old certificate whole when the card is torn out in the middle of a chained write', async () => {
    const test = await openCard({extended: false});
    const [old, replacement] = [await someCertificate('old'), await someCertificate('replacement')];
    await test.session.authenticate(managementKey());
    await test.session.writeCertificate(Slot.Authentication, old);
    test.card.faults.tearAt(2, 'before-effect');

    const writing = test.session.writeCertificate(Slot.Authentication, replacement);
    await expect(writing).rejects.toBeInstanceOf(TransportError);
    await expect(writing).rejects.toMatchObject({code: 'card-removed'});

    await test.session.reconnect();
    expect((await test.session.readCertificate(Slot.Authentication))?.certificate).toEqual(old);
    await expect(test.session.writeCertificate(Slot.Authentication, replacement)).rejects.toBeInstanceOf(
      ManagementKeyRequiredError,
    );
  });

  it('reads the card again after a write that was torn off after it took effect', async () => {
    const test = await openCard();
    const certificate = await someCertificate();
    await test.session.authenticate(managementKey());
    test.card.faults.tearAt(1, 'after-effect');
    await expect(test.session.writeCertificate(Slot.Authentication, certificate)).rejects.toBeInstanceOf(
      TransportError,
    );
    await test.session.reconnect();
    expect((await test.session.readCertificate(Slot.Authentication))?.certificate).toEqual(certificate);
  });

  it('says the card is full', async () => {
    const test = await openCard();
    await test.session.authenticate(managementKey());
    test.card.faults.setMemoryFull(true);
    await expect(
      test.session.writeCertificate(Slot.Authentication, await someCertificate()),
    ).rejects.toBeInstanceOf(CardFullError);
  });
});

describeWithOpenssl('certificate requests the card signs, as openssl judges them', () => {
  it.each([
    {name: 'RSA-2048', algorithm: Algorithm.Rsa2048, slot: Slot.Signature},
    {name: 'P-256', algorithm: Algorithm.EccP256, slot: Slot.Retired1},
  ])('openssl req -verify accepts a $name request signed by the card', async ({algorithm, slot}) => {
    const {session} = await openCard();
    await session.authenticate(managementKey());
    const spki = await session.generateKey(slot, algorithm);
    await session.verifyPin('123456');
    const request = await buildCertificateRequest({
      subject: [
        {type: 'countryName', value: 'SE'},
        {type: 'commonName', value: 'Anna Andersson'},
        {type: 'serialNumber', value: '196001012384'},
      ],
      signer: session.signer(slot, spki, () => '123456'),
    });
    expect(publicKeysEqual(verifyCertificateRequest(request).publicKey, spki)).toBe(true);
    const judged = openssl(['req', '-verify', '-noout', '-inform', 'DER', '-in', '{request.der}'], {
      'request.der': request,
    });
    expect(judged.stderr + judged.stdout).toMatch(/verify OK|Certificate request self-signature verify OK/);
    expect(judged.status).toBe(0);
  });
});
