import {beforeAll, describe, expect, it} from 'vitest';
import {KeyUsage} from '../../source/pki/extensions.js';
import {
  createCertificateAuthority,
  generatePrivateKey,
  issueCertificate,
  randomSerialNumber,
  type CertificateAuthorityCredential,
} from '../../source/pki/issue.js';
import {EKU_CLIENT_AUTH} from '../../source/pki/object-identifiers.js';
import {exportPublicKey} from '../../source/pki/public-key.js';
import {
  checkIssuedCertificate,
  describeCertificate,
  isIssuedUnder,
} from '../../source/upgrade/certificate-facts.js';
import type {ServicePlanItem, SessionIdentity} from '../../source/upgrade/ports.js';

const DAY = 86_400_000;
const now = new Date('2026-03-01T12:00:00Z');
const identity: SessionIdentity = {
  person: {
    hsaId: 'SE2321000016-1001',
    personnummer: '191212121212',
    name: 'Anna Andersson',
    organisation: 'R',
  },
  card: {number: '97522700000001', status: 'received'},
};
const item: ServicePlanItem = {
  id: 'hsa-id-authentication',
  identity: 'hsa-id',
  purpose: 'authentication',
  keyAlgorithm: 'ecc-p256',
  slot: 0x9a,
  pinPolicy: 'once',
  subject: {commonName: 'Anna Andersson', serialNumber: 'SE2321000016-1001'},
};

describe('checkIssuedCertificate (invariant 5)', () => {
  let root: CertificateAuthorityCredential;
  let issuing: CertificateAuthorityCredential;
  let otherRoot: CertificateAuthorityCredential;
  let cardKey: Uint8Array;
  let otherKey: Uint8Array;

  const authority = (name: string, parent?: CertificateAuthorityCredential) =>
    createCertificateAuthority({
      name: [{type: 'commonName', value: name}],
      keyAlgorithm: 'ecc-p256',
      parent,
      notBefore: new Date(now.getTime() - DAY),
      notAfter: new Date(now.getTime() + 3650 * DAY),
    });

  beforeAll(async () => {
    root = await authority('Root v2');
    issuing = await authority('HSA-id CA v2', root);
    otherRoot = await authority('Someone else');
    cardKey = exportPublicKey(await generatePrivateKey('ecc-p256'));
    otherKey = exportPublicKey(await generatePrivateKey('ecc-p256'));
  });

  async function issued(
    options: {
      key?: Uint8Array;
      serialNumber?: string;
      usage?: KeyUsage;
      issuer?: CertificateAuthorityCredential;
      notBefore?: Date;
      notAfter?: Date;
    } = {},
  ) {
    const certificate = await issueCertificate({
      subject: [
        {type: 'commonName', value: 'Anna Andersson'},
        {type: 'serialNumber', value: options.serialNumber ?? 'SE2321000016-1001'},
      ],
      subjectPublicKey: options.key ?? cardKey,
      issuer: options.issuer ?? issuing,
      serialNumber: randomSerialNumber(),
      notBefore: options.notBefore ?? new Date(now.getTime() - 60_000),
      notAfter: options.notAfter ?? new Date(now.getTime() + 730 * DAY),
      extensions: {
        keyUsage: [options.usage ?? KeyUsage.DigitalSignature],
        extendedKeyUsage: [EKU_CLIENT_AUTH],
      },
    });
    const issuer = options.issuer ?? issuing;
    return {
      certificate: {
        serial: '01',
        identity: 'hsa-id' as const,
        purpose: 'authentication' as const,
        origin: 'service' as const,
        cardNumber: identity.card.number,
        status: 'valid' as const,
        installed: false,
        issuer: '',
        subject: '',
        notBefore: now,
        notAfter: now,
        certificate,
      },
      chain: [issuer.certificate],
      root: issuer === issuing ? root.certificate : issuer.certificate,
    };
  }

  const check = async (answer: Awaited<ReturnType<typeof issued>>, publicKey = cardKey) =>
    checkIssuedCertificate(answer, {
      publicKey,
      item,
      identity,
      trust: {anchors: [root.certificate], intermediates: []},
      now,
    });

  it('accepts a certificate for the card key, the person, the item, under the trust anchor', async () => {
    const facts = await check(await issued());
    expect(facts).toMatchObject({
      identityKind: 'hsa-id',
      purpose: 'authentication',
      hsaId: 'SE2321000016-1001',
    });
  });

  it.each<[string, () => Promise<Awaited<ReturnType<typeof issued>>>, string]>([
    ['a chain to a root the service sent but we do not trust', () => issued({issuer: otherRoot}), 'chain'],
    ['a certificate for another key', () => issued({key: otherKey}), 'public-key'],
    ['a certificate for another person', () => issued({serialNumber: 'SE2321000016-1002'}), 'subject'],
    [
      'a signature certificate for an authentication item',
      () => issued({usage: KeyUsage.NonRepudiation}),
      'subject',
    ],
    [
      'a certificate that expires tomorrow morning',
      () => issued({notAfter: new Date(now.getTime() + 3600_000)}),
      'validity',
    ],
    [
      'a certificate valid only from next week',
      () => issued({notBefore: new Date(now.getTime() + 7 * DAY)}),
      'validity',
    ],
    [
      'a certificate valid for thirty years',
      () => issued({notAfter: new Date(now.getTime() + 30 * 365 * DAY)}),
      'validity',
    ],
  ])('rejects %s before anything is written', async (_name, make, check_) => {
    await expect(check(await make())).rejects.toMatchObject({
      code: 'answer-rejected',
      error: {code: 'answer-rejected', check: check_},
    });
  });

  it('tells new certificates from old ones by the trust anchor and known issuing CAs', async () => {
    const {certificate} = await issued();
    const facts = describeCertificate(certificate.certificate);
    expect(
      isIssuedUnder(facts, {anchors: [root.certificate], intermediates: [issuing.certificate]}, now),
    ).toBe(true);
    expect(isIssuedUnder(facts, {anchors: [otherRoot.certificate], intermediates: []}, now)).toBe(false);
  });
});
