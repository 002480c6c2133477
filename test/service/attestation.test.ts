import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {createAttestationKey} from '../../source/card/virtual/attestation.js';
import {createCertificateAuthority} from '../../source/pki/issue.js';
import {
  attestationKeyOf,
  attestRequest,
  base64,
  certificateRequest,
  createDemoFixture,
  demoPerson,
  expectRefusedWithoutWriting,
  generateCardKey,
  logIn,
  logInReady,
  StandInCard,
  startTestService,
  type DemoFixture,
  type WireAttestation,
} from './service-harness.js';

/**
 * PIV key attestation at issuance (source/service/attestation.ts): a key with a valid proof-of-possession
 * signature is issued for only when the card proves it generated the key in the item's slot, under an attestation
 * root in the service's config (the demo's virtual maker root). Real crypto throughout: the attestations are
 * made as the virtual card makes them.
 */
describe('PIV key attestation at issuance', () => {
  let fixture: DemoFixture;
  let harness: Awaited<ReturnType<typeof startTestService>>;
  /** The F9 key and certificate of a card under the demo's maker root. */
  let f9: Awaited<ReturnType<typeof attestationKeyOf>>;
  beforeAll(async () => {
    fixture = await createDemoFixture({keyAlgorithm: 'ecc-p256'});
    harness = await startTestService(fixture);
    f9 = await attestationKeyOf(fixture);
  });
  afterAll(async () => {
    await harness?.close();
    await fixture?.cleanup();
  });

  /** hsa-id-authentication is in 9a in the demo's PIV plan. */
  const itemId = 'hsa-id-authentication';
  const issue = (token: string, request: Uint8Array, attestation?: WireAttestation) =>
    harness.call('POST', '/v1/certificates', {
      token,
      body: {itemId, request: base64(request), ...(attestation && {attestation})},
    });

  async function ready(name: string) {
    return logInReady(harness.call, await StandInCard.create(fixture, demoPerson(name)));
  }

  it('refuses a software key with a valid request but no attestation, and writes nothing', async () => {
    const token = await ready('Anna');
    const request = await certificateRequest(generateCardKey('ecc-p256'));
    await expectRefusedWithoutWriting(harness.storeLocation, () => issue(token, request), {
      status: 403,
      error: 'attestation-missing',
    });
  });

  it('refuses an attestation whose F9 certificate signs itself, or is under another maker’s root', async () => {
    const token = await ready('Anna');
    const request = await certificateRequest(generateCardKey('ecc-p256'));
    const selfSigned = await attestRequest(
      request,
      '9a',
      await createAttestationKey(1, new Date(Date.now() - 60_000)),
    );
    const otherRoot = await createCertificateAuthority({
      name: [{type: 'commonName', value: 'Another Maker Attestation Root'}],
      keyAlgorithm: 'ecc-p256',
      notBefore: new Date(Date.now() - 86_400_000),
      notAfter: new Date(Date.now() + 86_400_000),
    });
    const underOther = await attestRequest(request, '9a', await attestationKeyOf(fixture, otherRoot));
    for (const attestation of [selfSigned, underOther]) {
      await expectRefusedWithoutWriting(harness.storeLocation, () => issue(token, request, attestation), {
        status: 403,
        error: 'attestation-untrusted',
      });
    }
  });

  it('refuses a forged attestation: the F9 certificate of a trusted card, the slot certificate signed by another key', async () => {
    const token = await ready('Anna');
    const request = await certificateRequest(generateCardKey('ecc-p256'));
    const forger = await attestationKeyOf(fixture);
    // Signed by the forger's F9 key, sent with the trusted card's F9 certificate as its issuer.
    const forged = {
      ...(await attestRequest(request, '9a', forger)),
      intermediate: base64(f9.certificate),
    };
    await expectRefusedWithoutWriting(harness.storeLocation, () => issue(token, request, forged), {
      status: 403,
      error: 'attestation-untrusted',
    });
    await expectRefusedWithoutWriting(
      harness.storeLocation,
      () =>
        issue(token, request, {
          certificate: base64(Uint8Array.of(0x30, 0x03, 1, 2, 3)),
          intermediate: base64(f9.certificate),
        }),
      {status: 400, error: 'attestation-malformed'},
    );
  });

  it('refuses an attestation of another slot than the plan item’s, or of another key', async () => {
    const token = await ready('Anna');
    const request = await certificateRequest(generateCardKey('ecc-p256'));
    await expectRefusedWithoutWriting(
      harness.storeLocation,
      async () => issue(token, request, await attestRequest(request, '9c', f9)),
      {status: 403, error: 'attestation-slot-mismatch'},
    );
    const otherKeysRequest = await certificateRequest(generateCardKey('ecc-p256'));
    await expectRefusedWithoutWriting(
      harness.storeLocation,
      async () => issue(token, request, await attestRequest(otherKeysRequest, '9a', f9)),
      {status: 403, error: 'attestation-key-mismatch'},
    );
  });

  it('issues for a key attested in the item’s slot under the configured root, and again for the same request', async () => {
    const token = await ready('Bo');
    const request = await certificateRequest(generateCardKey('ecc-p256'));
    const attestation = await attestRequest(request, '9a', f9);
    const first = await issue(token, request, attestation);
    expect(first.status).toBe(201);
    const again = await issue(token, request, attestation);
    expect(again.status).toBe(200);
    expect(again.body.certificate.serial).toBe(first.body.certificate.serial);
  });

  it('refuses an attestation sent for a SITHS EID card, which has none', async () => {
    const card = await StandInCard.create(fixture, demoPerson('Daniel'));
    const token = await logIn(
      harness.call,
      card,
      {certificate: card.authenticationCertificate, key: card.authenticationKey},
      'siths-eid',
    );
    const terms = await harness.call('GET', '/v1/terms');
    await harness.call('POST', '/v1/terms/acceptance', {token, body: {version: terms.body.version}});
    const request = await certificateRequest(generateCardKey('rsa-2048'));
    await expectRefusedWithoutWriting(
      harness.storeLocation,
      async () =>
        harness.call('POST', '/v1/certificates', {
          token,
          body: {
            itemId: 'personnummer-authentication',
            request: base64(request),
            attestation: await attestRequest(request, '03', f9),
          },
        }),
      {status: 400, error: 'attestation-malformed'},
    );
  });

  it('issues without attestation where the config turns it off (a maker without attestation)', async () => {
    const own = await startTestService(fixture, {
      settings: {attestation: {...fixture.settings.attestation, isRequired: false}},
    });
    try {
      const token = await logInReady(own.call, await StandInCard.create(fixture, demoPerson('Anna')));
      const answer = await own.call('POST', '/v1/certificates', {
        token,
        body: {itemId, request: base64(await certificateRequest(generateCardKey('ecc-p256')))},
      });
      expect(answer.status).toBe(201);
    } finally {
      await own.close();
    }
  });
});
