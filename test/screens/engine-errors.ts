import type {EngineError, EngineErrorCode} from '../../source/upgrade/errors.js';

/** One example of every engine error, by code (a missing code fails to compile). */
export const EVERY_ENGINE_ERROR: {readonly [Code in EngineErrorCode]: Extract<EngineError, {code: Code}>} = {
  'invalid-pin': {code: 'invalid-pin', triesLeft: 2},
  'pin-format': {code: 'pin-format'},
  'pin-blocked': {code: 'pin-blocked'},
  'invalid-puk': {code: 'invalid-puk', triesLeft: 1},
  'puk-blocked': {code: 'puk-blocked'},
  'card-removed': {code: 'card-removed'},
  'card-changed': {code: 'card-changed'},
  'no-reader': {code: 'no-reader'},
  'pcscd-not-running': {code: 'pcscd-not-running'},
  'pcsclite-missing': {code: 'pcsclite-missing'},
  'access-denied': {code: 'access-denied'},
  'reader-busy': {code: 'reader-busy'},
  'not-a-piv-card': {code: 'not-a-piv-card'},
  'no-login-credential': {code: 'no-login-credential'},
  'management-key-rejected': {code: 'management-key-rejected'},
  'card-full': {code: 'card-full'},
  'card-error': {code: 'card-error', statusWord: '6F00'},
  'service-unreachable': {code: 'service-unreachable'},
  'service-tls': {code: 'service-tls'},
  'service-refused': {code: 'service-refused', reason: 'card-not-received'},
  'service-error': {code: 'service-error', status: 503},
  'answer-rejected': {code: 'answer-rejected', check: 'public-key'},
  cancelled: {code: 'cancelled'},
  internal: {code: 'internal'},
};
