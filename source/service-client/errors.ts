import {SithsError} from '../errors.js';

/** Why a call to the upgrade service failed. */
export type ServiceErrorCode =
  /** No answer: offline, DNS failure, connection refused or reset, timeout. Retrying may help. */
  | 'service-unreachable'
  /** The TLS handshake failed: the server's certificate does not chain to the configured service CA, or its name does not match. */
  | 'service-tls'
  /** The service refused the request (4xx); `reason` holds its stable reason code. */
  | 'service-refused'
  /** The service failed (5xx). */
  | 'service-error'
  /** The answer is not what the API promises (not JSON, missing fields). */
  | 'service-answer-malformed'
  /**
   * The issuing CAs the service published (GET /v1/authorities) do not verify up to the configured root
   * (--service-ca): a signature by another key, an expired CA, a certificate that is no CA. `reason` holds the
   * PKI check that failed. They are never used.
   */
  | 'service-chain-untrusted';

/**
 * A failed call to the upgrade service. `status` is the HTTP status when there was an answer; `reason` is the
 * service's reason code for a refusal (e.g. 'card-not-received', 'session-expired'). Messages never hold PINs,
 * tokens or key material.
 */
export class ServiceError extends SithsError<ServiceErrorCode> {
  override readonly name = 'ServiceError';
  constructor(
    code: ServiceErrorCode,
    message: string,
    readonly details: {
      readonly status?: number;
      readonly reason?: string;
      readonly retryAfterMs?: number;
    } = {},
    options?: {cause?: unknown},
  ) {
    super(code, message, options);
  }

  get status(): number | undefined {
    return this.details.status;
  }

  get reason(): string | undefined {
    return this.details.reason;
  }
}
