import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {parseCertificate, verifyChain} from '../../../source/pki/certificate.js';
import {createDemoFixture, startTestService, type DemoFixture} from '../service-harness.js';

describe('GET /v1/authorities', () => {
  let fixture: DemoFixture;
  let harness: Awaited<ReturnType<typeof startTestService>>;
  beforeAll(async () => {
    fixture = await createDemoFixture();
    harness = await startTestService(fixture);
  });
  afterAll(async () => {
    await harness?.close();
    await fixture?.cleanup();
  });

  const der = (id: string) =>
    fixture.settings.authorities.find((authority) => authority.id === id)!.certificate;
  const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

  it('answers without a login with each identity’s issuing CA, without the root, and the root', async () => {
    const answer = await harness.call('GET', '/v1/authorities');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      chains: [
        {identity: 'hsa-id', chain: [base64(der(fixture.settings.issuers['hsa-id']))]},
        {identity: 'personnummer', chain: [base64(der(fixture.settings.issuers.personnummer))]},
      ],
      root: base64(der(fixture.settings.root)),
    });
  });

  it('publishes chains that verify up to the root and hold only CA certificates', async () => {
    const answer = await harness.call('GET', '/v1/authorities');
    const root = der(fixture.settings.root);
    for (const {chain} of answer.body.chains as {chain: string[]}[]) {
      const certificates = chain.map((text) => new Uint8Array(Buffer.from(text, 'base64')));
      const path = verifyChain(certificates[0]!, certificates.slice(1), [root], {date: new Date()});
      expect(path.at(-1)!.fingerprint).toBe(parseCertificate(root).fingerprint);
      for (const certificate of certificates)
        expect(parseCertificate(certificate).isCertificateAuthority).toBe(true);
    }
  });
});
