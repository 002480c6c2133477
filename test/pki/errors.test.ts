import {expect, it} from 'vitest';
import {SithsError} from '../../source/errors.js';
import {IdentityError, PkiError} from '../../source/pki/errors.js';

it('makes PKI and identity errors SithsErrors with their own name, a stable code and the cause', () => {
  const cause = new Error('asn1');
  const pki = new PkiError('certificate-malformed', 'the certificate does not parse', {cause});
  expect(pki).toBeInstanceOf(SithsError);
  expect(pki).toMatchObject({name: 'PkiError', code: 'certificate-malformed', cause});
  const identity = new IdentityError('hsa-id-malformed', 'bad');
  expect(identity).toBeInstanceOf(SithsError);
  expect(identity).toMatchObject({name: 'IdentityError', code: 'hsa-id-malformed'});
});
