import {SithsError} from '../errors.js';

/**
 * Why the service refuses a request, with the HTTP status it answers with. The code is the `error` field of the
 * error body (source/protocol/common.ts): clients switch on it, never on the message. A refusal writes nothing,
 * except that a refusal for a revoked or expired login certificate also ends the session.
 */
export const REFUSAL_STATUS = {
  // The request itself (400, 404, 408, 413, 414, 415, 431, 501): HTTP that does not parse is answered on the
  // socket before any route (source/service/app.ts), in the same body as every other error.
  'http-malformed': 400,
  'method-unknown': 501,
  'request-header-too-large': 431,
  'request-timeout': 408,
  'url-malformed': 400,
  'url-too-long': 414,
  'body-malformed': 400,
  'body-invalid': 400,
  'body-too-large': 413,
  'media-type-unsupported': 415,
  'route-not-found': 404,
  // Login (401 = not logged in; 403 = logged in or identified, but not allowed).
  'certificate-malformed': 400,
  'certificate-untrusted': 401,
  'certificate-expired': 401,
  'certificate-not-yet-valid': 401,
  'certificate-revoked': 401,
  'certificate-not-for-login': 401,
  'challenge-unknown': 401,
  'signature-invalid': 401,
  'person-unknown': 403,
  'card-unknown': 403,
  'card-mismatch': 403,
  'too-many-attempts': 429,
  'session-missing': 401,
  'session-invalid': 401,
  'session-expired': 401,
  /** The certificate the session logged in with was revoked meanwhile: the session has ended. */
  'session-certificate-revoked': 401,
  /** The certificate the session logged in with is no longer within its validity: the session has ended. */
  'session-certificate-expired': 401,
  // The upgrade.
  'card-not-received': 403,
  'terms-version-outdated': 409,
  'terms-not-accepted': 409,
  'plan-item-unknown': 404,
  'request-malformed': 400,
  'request-signature-invalid': 400,
  'key-algorithm-mismatch': 400,
  'key-reused': 409,
  /** PIV key attestation (attestation.ts): none, unparsable, not chained, another key or slot. */
  'attestation-missing': 403,
  'attestation-malformed': 400,
  'attestation-untrusted': 403,
  'attestation-key-mismatch': 403,
  'attestation-slot-mismatch': 403,
  'request-for-another-person': 403,
  'relay-unknown': 404,
  'relay-response-mismatch': 403,
  'witness-malformed': 400,
  'management-key-unavailable': 409,
  /** The session's card profile has no management key (SITHS EID: the authentication PIN allows its writes). */
  'no-management-key': 409,
  'certificate-not-found': 404,
  'certificate-not-owned': 403,
  'certificate-foreign': 400,
  'upgrade-incomplete': 409,
  'authority-unknown': 404,
  'authority-cannot-sign': 409,
  // Operations: the instance is up but cannot serve (GET /v1/ready).
  'not-ready': 503,
} as const satisfies Record<string, number>;

export type RefusalCode = keyof typeof REFUSAL_STATUS;

/** A request the service refuses: answered with REFUSAL_STATUS[code] and {error: code, message}. */
export class RefusalError extends SithsError<RefusalCode> {
  override readonly name = 'RefusalError';
  readonly status: number;
  /** With 'too-many-attempts': seconds until an attempt may succeed. */
  readonly retryAfterSeconds: number | undefined;
  constructor(code: RefusalCode, message: string, options?: {cause?: unknown; retryAfterSeconds?: number}) {
    super(code, message, options);
    this.status = REFUSAL_STATUS[code];
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

export type ServiceSetupErrorCode =
  'config-unreadable' | 'config-invalid' | 'store-failed' | 'authority-invalid' | 'setup-directory-not-empty';

/** The service cannot start: a bad config file, a missing or inconsistent CA, a store it cannot open. */
export class ServiceSetupError extends SithsError<ServiceSetupErrorCode> {
  override readonly name = 'ServiceSetupError';
}
