import {X509Certificate} from 'node:crypto';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {DistinguishedName} from '../../source/pki/distinguished-name.js';
import {createCertificateAuthority} from '../../source/pki/issue.js';
import {ServiceClient} from '../../source/service-client/client.js';
import {ServiceError} from '../../source/service-client/errors.js';
import {verifyIssuingAuthorities} from '../../source/service-client/issuing-authorities.js';
import {createDemoFixture, startTestService, type DemoFixture} from '../service/service-harness.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The demo's CA names (source/service/demo-setup.ts), for CAs that claim to be the demo's. */
const demoName = (commonName: string): DistinguishedName => [
  {type: 'countryName', value: 'SE'},
  {type: 'organizationName', value: 'SITHS Demo'},
  {type: 'commonName', value: commonName},
];

describe('the service’s issuing CAs, fetched over HTTPS and checked against the configured root', () => {
  let fixture: DemoFixture;
  let harness: Awaited<ReturnType<typeof startTestService>>;
  let forged: Awaited<ReturnType<typeof startTestService>>;
  let root: Uint8Array;
  beforeAll(async () => {
    fixture = await createDemoFixture();
    harness = await startTestService(fixture);
    root = fixture.settings.authorities.find(
      (authority) => authority.id === fixture.settings.root,
    )!.certificate;
    // A root with the demo root's name but another key, and an issuing CA with the demo's name under it: what an
    // impostor service would publish. Its TLS certificate is still the demo's, so only the chain is wrong.
    const now = Date.now();
    const validity = {notBefore: new Date(now - DAY_MS), notAfter: new Date(now + 365 * DAY_MS)};
    const otherRoot = await createCertificateAuthority({
      name: demoName('SITHS Demo Root CA v2'),
      keyAlgorithm: 'ecc-p256',
      ...validity,
    });
    const forgedIssuer = await createCertificateAuthority({
      name: demoName('SITHS Demo e-id HSA-id CA v2'),
      keyAlgorithm: 'ecc-p256',
      parent: otherRoot,
      pathLength: 0,
      ...validity,
    });
    forged = await startTestService(fixture, {
      settings: {
        authorities: [
          ...fixture.settings.authorities,
          {id: 'other-root', certificate: otherRoot.certificate},
          {id: 'forged', certificate: forgedIssuer.certificate, privateKey: forgedIssuer.privateKey},
        ],
        root: 'other-root',
        issuers: {'hsa-id': 'forged', personnummer: 'forged'},
      },
    });
  });
  afterAll(async () => {
    await harness?.close();
    await forged?.close();
    await fixture?.cleanup();
  });

  const clientOf = (service: {service: {url: string}}) =>
    new ServiceClient({url: service.service.url, certificateAuthority: root, sleep: () => Promise.resolve()});
  const refusal = (run: () => unknown): ServiceError => {
    try {
      run();
    } catch (error) {
      expect(error).toBeInstanceOf(ServiceError);
      return error as ServiceError;
    }
    throw new Error('not refused');
  };

  it('accepts the demo service’s chains and returns its issuing CAs', async () => {
    const published = await clientOf(harness).issuingAuthorities();
    const trusted = verifyIssuingAuthorities(published, [root], new Date());
    const issuer = (id: string) => fixture.settings.authorities.find((authority) => authority.id === id)!;
    expect(trusted).toEqual([
      issuer(fixture.settings.issuers['hsa-id']).certificate,
      issuer(fixture.settings.issuers.personnummer).certificate,
    ]);
  });

  it('refuses an issuing CA that another key signed, though it bears the right names', async () => {
    const published = await clientOf(forged).issuingAuthorities();
    const error = refusal(() => verifyIssuingAuthorities(published, [root], new Date()));
    expect(error.code).toBe('service-chain-untrusted');
    // Its authority key identifier names the other root's key: no issuer among the trusted roots.
    expect(error.reason).toBe('chain-untrusted');
    // The chain itself is sound: it verifies to the root the service names, which the client does not trust.
    expect(verifyIssuingAuthorities(published, [published.root], new Date())).toHaveLength(2);
  });

  it('refuses the chain once its issuing CA has expired, though the root is still valid', async () => {
    const published = await clientOf(harness).issuingAuthorities();
    // The demo's issuing CAs live ten years, its root twenty.
    const error = refusal(() =>
      verifyIssuingAuthorities(published, [root], new Date(Date.now() + 11 * 365 * DAY_MS)),
    );
    expect(error.code).toBe('service-chain-untrusted');
    expect(error.reason).toBe('certificate-expired');
  });

  it('refuses a chain whose issuing certificate is no CA (the service’s TLS certificate, under the root)', () => {
    const server = new Uint8Array(new X509Certificate(fixture.settings.tls.certificateChain).raw);
    const error = refusal(() =>
      verifyIssuingAuthorities({chains: [{identity: 'hsa-id', chain: [server]}]}, [root], new Date()),
    );
    expect(error.reason).toBe('chain-untrusted');
  });
});
