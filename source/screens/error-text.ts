import type {EngineError} from '../upgrade/errors.js';
import type {Catalogue, ErrorText} from './i18n/catalogue.js';

/** The title and explanation of an engine error, picked by its code (exhaustive: a new code fails to compile). */
export function errorText(t: Catalogue, error: EngineError): ErrorText {
  switch (error.code) {
    case 'invalid-pin':
      return t.errors['invalid-pin'](error);
    case 'pin-format':
      return t.errors['pin-format'](error);
    case 'pin-blocked':
      return t.errors['pin-blocked'](error);
    case 'invalid-puk':
      return t.errors['invalid-puk'](error);
    case 'puk-blocked':
      return t.errors['puk-blocked'](error);
    case 'card-removed':
      return t.errors['card-removed'](error);
    case 'card-changed':
      return t.errors['card-changed'](error);
    case 'card-reset':
      return t.errors['card-reset'](error);
    case 'no-reader':
      return t.errors['no-reader'](error);
    case 'pcscd-not-running':
      return t.errors['pcscd-not-running'](error);
    case 'pcsclite-missing':
      return t.errors['pcsclite-missing'](error);
    case 'access-denied':
      return t.errors['access-denied'](error);
    case 'reader-busy':
      return t.errors['reader-busy'](error);
    case 'not-a-piv-card':
      return t.errors['not-a-piv-card'](error);
    case 'card-already-new':
      return t.errors['card-already-new'](error);
    case 'no-login-credential':
      return t.errors['no-login-credential'](error);
    case 'login-certificate-revoked':
      return t.errors['login-certificate-revoked'](error);
    case 'management-key-rejected':
      return t.errors['management-key-rejected'](error);
    case 'card-full':
      return t.errors['card-full'](error);
    case 'card-error':
      return t.errors['card-error'](error);
    case 'service-unreachable':
      return t.errors['service-unreachable'](error);
    case 'service-tls':
      return t.errors['service-tls'](error);
    case 'service-chain-untrusted':
      return t.errors['service-chain-untrusted'](error);
    case 'key-not-attested':
      return t.errors['key-not-attested'](error);
    case 'service-refused':
      return t.errors['service-refused'](error);
    case 'service-error':
      return t.errors['service-error'](error);
    case 'answer-rejected':
      return t.errors['answer-rejected'](error);
    case 'cancelled':
      return t.errors.cancelled(error);
    case 'internal':
      return t.errors.internal(error);
  }
}
