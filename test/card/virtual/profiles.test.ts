import {createPublicKey, verify, X509Certificate} from 'node:crypto';
import {beforeAll, describe, expect, it} from 'vitest';
import {InProcessTransport} from '../../../source/apdu/transports/in-process.js';
import {Algorithm, ObjectId, PinPolicy, Slot} from '../../../source/card/piv/constants.js';
import {LocalManagementKey} from '../../../source/card/piv/management-key.js';
import {PivSession} from '../../../source/card/piv/session.js';
import {blankCard, oldSithsCard, type OldSithsCardOptions} from '../../../source/card/virtual/profiles.js';
import {INSTANT_TIMING} from '../../../source/card/virtual/timing.js';
import {VirtualPivCard} from '../../../source/card/virtual/virtual-card.js';
import {createCertificateAuthority, type CertificateAuthorityCredential} from '../../../source/pki/issue.js';
import {toHex} from '../../apdu/transcript-transport.js';
import {cardUnderTest, swHex} from './card-under-test.js';

const MANAGEMENT_KEY = Uint8Array.from({length: 24}, (_, index) => 0xa0 + index);

async function session(card: VirtualPivCard): Promise<PivSession> {
  return PivSession.open(new InProcessTransport(card));
}

describe('the blank profile', () => {
  it('is a factory-fresh YubiKey 5.7: default PIN, PUK and AES-192 management key, no CHUID, no keys', async () => {
    const bench = await cardUnderTest({state: await blankCard({serial: 31_415_926})});
    await bench.select();
    expect(toHex((await bench.raw('00 F7 00 80 00')).data)).toBe('01 01 FF 05 01 01 06 02 03 03');
    expect(toHex((await bench.raw('00 F7 00 9B 00')).data)).toBe('01 01 0A 02 02 00 01 05 01 01');
    expect(toHex((await bench.raw('00 F8 00 00 00')).data)).toBe('01 DF 5E 76');
    expect(swHex((await bench.raw('00 CB 3F FF 05 5C 03 5F C1 02 00')).sw)).toBe('6A82');
    expect([...bench.card.inspect().keys.keys()]).toEqual([Slot.Attestation]);
    expect(swHex(await bench.verifyPin('123456'))).toBe('9000');
  });

  it('has a 3DES management key before firmware 5.7', async () => {
    const bench = await cardUnderTest({state: await blankCard({firmware: {major: 5, minor: 4, patch: 3}})});
    await bench.select();
    expect(toHex((await bench.raw('00 F7 00 9B 00')).data)).toBe('01 01 03 02 02 00 01 05 01 01');
    expect(toHex((await bench.raw('00 FD 00 00 00')).data)).toBe('05 04 03');
  });
});

describe('the old-siths profile', () => {
  let issuer: CertificateAuthorityCredential;
  let options: OldSithsCardOptions;
  let card: VirtualPivCard;

  beforeAll(async () => {
    const now = new Date();
    issuer = await createCertificateAuthority({
      name: [
        {type: 'countryName', value: 'SE'},
        {type: 'commonName', value: 'Old Demo CA'},
      ],
      keyAlgorithm: 'ecc-p256',
      notBefore: new Date(now.getTime() - 3 * 365 * 86_400_000),
      notAfter: new Date(now.getTime() + 3 * 365 * 86_400_000),
    });
    options = {
      holder: {
        givenName: 'Anna',
        surname: 'Andersson',
        hsaId: 'SE2321000016-7Q3A',
        cardNumber: '97520001234567',
      },
      pin: '246810',
      managementKey: MANAGEMENT_KEY,
      issuer,
      serial: 20_260_001,
      now,
    };
    card = new VirtualPivCard({state: await oldSithsCard(options), timing: INSTANT_TIMING});
  });

  it('holds an authentication and a signature certificate from the old CA, for RSA-2048 keys generated on the card', async () => {
    const piv = await session(card);
    const certificates = await piv.readCertificates();
    expect(certificates.map(({slot}) => slot)).toEqual([Slot.Authentication, Slot.Signature]);
    const ca = new X509Certificate(issuer.certificate);
    for (const {slot, certificate} of certificates) {
      const x509 = new X509Certificate(certificate);
      expect(x509.verify(ca.publicKey)).toBe(true);
      expect(x509.subject).toContain('serialNumber=SE2321000016-7Q3A');
      expect(x509.subject).toContain('CN=Anna Andersson');
      const metadata = await piv.slotMetadata(slot);
      expect(metadata?.algorithm).toBe(Algorithm.Rsa2048);
      expect(metadata?.isGenerated).toBe(true);
      expect(toHex(metadata!.publicKey)).toBe(
        toHex(new Uint8Array(x509.publicKey.export({format: 'der', type: 'spki'}))),
      );
    }
    const [authentication, signature] = certificates.map(({certificate}) => new X509Certificate(certificate));
    expect(authentication!.keyUsage).toContain('1.3.6.1.5.5.7.3.2');
    expect(signature!.keyUsage ?? []).not.toContain('1.3.6.1.5.5.7.3.2');
    expect((await piv.slotMetadata(Slot.Signature))?.pinPolicy).toBe(PinPolicy.Always);
    await piv.close();
  });

  it('carries the card number in its CHUID, where the PIV session reads it', async () => {
    const piv = await session(card);
    const identity = await piv.readIdentity();
    expect(identity.cardNumber).toBe('97520001234567');
    expect(identity.guid).toMatch(/^[0-9a-f]{32}$/);
    expect(identity.serial).toBe(20_260_001);
    expect(card.inspect().objects.has(ObjectId.CardCapabilityContainer)).toBe(true);
    await piv.close();
  });

  it('signs with its 9C key after the card PIN, and only with its own PIN and management key', async () => {
    const piv = await session(card);
    await expect(piv.verifyPin('123456')).rejects.toMatchObject({code: 'invalid-pin', triesLeft: 2});
    const [, signatureCertificate] = await piv.readCertificates();
    const publicKey = new Uint8Array(
      new X509Certificate(signatureCertificate!.certificate).publicKey.export({format: 'der', type: 'spki'}),
    );
    const signer = piv.signer(Slot.Signature, publicKey, () => options.pin);
    const message = new TextEncoder().encode('Underskrift');
    const signature = await signer.sign(message);
    expect(signer.algorithm).toBe('rsa-pkcs1-sha256');
    const key = createPublicKey({key: Buffer.from(publicKey), format: 'der', type: 'spki'});
    expect(verify('sha256', message, key, signature)).toBe(true);
    await expect(piv.authenticate(new LocalManagementKey(new Uint8Array(24).fill(1)))).rejects.toMatchObject({
      code: 'management-key-rejected',
    });
    await piv.authenticate(new LocalManagementKey(MANAGEMENT_KEY));
    await piv.close();
  });

  it.each([
    ['a PIN with letters', {pin: '12ab56'}],
    ['a short PIN', {pin: '12345'}],
    [
      'a malformed HSA-id',
      {holder: {givenName: 'A', surname: 'B', hsaId: 'SE-1', cardNumber: '97520001234567'}},
    ],
    [
      'a card number of 13 digits',
      {holder: {givenName: 'A', surname: 'B', hsaId: 'SE2321000016-1', cardNumber: '9752000123456'}},
    ],
    ['a management key of 16 bytes for AES-192', {managementKey: new Uint8Array(16)}],
  ])('refuses %s as profile-invalid', async (_, change) => {
    await expect(oldSithsCard({...options, ...change})).rejects.toMatchObject({code: 'profile-invalid'});
  });
});
