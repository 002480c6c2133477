import {createPublicKey, X509Certificate} from 'node:crypto';
import {describe, expect, it} from 'vitest';
import {InProcessTransport} from '../../../source/apdu/transports/in-process.js';
import {Algorithm, KeyOrigin, PinPolicy, Slot, TouchPolicy} from '../../../source/card/piv/constants.js';
import {LocalManagementKey} from '../../../source/card/piv/management-key.js';
import {PivSession} from '../../../source/card/piv/session.js';
import {generatePrivateKey} from '../../../source/card/virtual/asymmetric-keys.js';
import {blankCard} from '../../../source/card/virtual/profiles.js';
import {DEFAULT_MANAGEMENT_KEY} from '../../../source/card/virtual/state.js';
import {INSTANT_TIMING} from '../../../source/card/virtual/timing.js';
import {VirtualPivCard} from '../../../source/card/virtual/virtual-card.js';
import {createCertificateAuthority} from '../../../source/pki/issue.js';

async function makerRoot() {
  return createCertificateAuthority({
    name: [{type: 'commonName', value: 'Test Maker Attestation Root'}],
    keyAlgorithm: 'ecc-p256',
    notBefore: new Date(Date.now() - 86_400_000),
    notAfter: new Date(Date.now() + 86_400_000),
  });
}

describe('PivSession.attest', () => {
  it('answers the attestation of a key generated in the slot and the F9 certificate, chained to the maker root', async () => {
    const root = await makerRoot();
    const state = await blankCard({attestationRoot: root});
    const session = await PivSession.open(
      new InProcessTransport(new VirtualPivCard({state, timing: INSTANT_TIMING})),
    );
    await session.authenticate(new LocalManagementKey(DEFAULT_MANAGEMENT_KEY));
    const publicKey = await session.generateKey(Slot.Authentication, Algorithm.EccP256);

    const attestation = await session.attest(Slot.Authentication);

    const certificate = new X509Certificate(attestation!.certificate);
    const intermediate = new X509Certificate(attestation!.intermediate);
    const spki = createPublicKey({key: Buffer.from(publicKey), format: 'der', type: 'spki'});
    expect(certificate.publicKey.equals(spki)).toBe(true);
    expect(certificate.subject).toBe('CN=YubiKey PIV Attestation 9a');
    expect(certificate.verify(intermediate.publicKey)).toBe(true);
    expect(intermediate.verify(new X509Certificate(root.certificate).publicKey)).toBe(true);
  });

  it('answers undefined for an empty slot and for a key imported rather than generated on the card', async () => {
    const state = await blankCard({attestationRoot: await makerRoot()});
    state.keys.set(Slot.Signature, {
      algorithm: Algorithm.EccP256,
      pinPolicy: PinPolicy.Always,
      touchPolicy: TouchPolicy.Never,
      origin: KeyOrigin.Imported,
      privateKey: await generatePrivateKey(Algorithm.EccP256),
    });
    const session = await PivSession.open(
      new InProcessTransport(new VirtualPivCard({state, timing: INSTANT_TIMING})),
    );

    expect(await session.attest(Slot.KeyManagement)).toBeUndefined();
    expect(await session.attest(Slot.Signature)).toBeUndefined();
  });
});
