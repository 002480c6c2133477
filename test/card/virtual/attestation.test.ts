import {X509Certificate} from 'node:crypto';
import {expect, it} from 'vitest';
import {Algorithm, KeyOrigin, PinPolicy, Slot, TouchPolicy} from '../../../source/card/piv/constants.js';
import {generatePrivateKey} from '../../../source/card/virtual/asymmetric-keys.js';
import {attestKey, createAttestationKey} from '../../../source/card/virtual/attestation.js';
import {describeWithOpenssl, openssl} from '../../pki/openssl.js';

describeWithOpenssl('the attestation certificates', () => {
  it('chain in openssl verify: the F9 certificate is a CA and signs the certificate of an attested key', async () => {
    const attestation = await createAttestationKey(12_345_678, new Date());
    const attested = await attestKey(attestation, Slot.Signature, {
      algorithm: Algorithm.EccP256,
      pinPolicy: PinPolicy.Always,
      touchPolicy: TouchPolicy.Never,
      origin: KeyOrigin.Generated,
      privateKey: await generatePrivateKey(Algorithm.EccP256),
    });

    const root = new X509Certificate(attestation.certificate);
    const result = openssl(['verify', '-x509_strict', '-CAfile', '{f9.pem}', '{attested.pem}'], {
      'f9.pem': root.toString(),
      'attested.pem': new X509Certificate(attested).toString(),
    });

    expect(root.ca).toBe(true);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
