import {X509Certificate} from 'node:crypto';
import got, {HTTPError, RequestError, type Got, type Method, type RetryObject} from 'got';
import type {CertificateWithChain, CertificateView} from '../protocol/certificates.js';
import type {IssuingAuthorities} from '../protocol/authorities.js';
import {API_PREFIX, type CardProfile, type ErrorBody} from '../protocol/common.js';
import {
  isLoginToBeSigned,
  type LoginChallenge,
  type LoginChallengeRequest,
  type LoginResponse,
} from '../protocol/session.js';
import type {Plan} from '../protocol/plan.js';
import type {TermsView} from '../protocol/terms.js';
import type {
  CardCertificates,
  CertificateList,
  CompletionResponse,
  DeclarationResponse,
} from '../protocol/certificates.js';
import type {WitnessAnswer} from '../protocol/management-key.js';
import {ServiceError} from './errors.js';
import {DEFAULT_RETRY_POLICY, retryDelayMs, type RetryPolicy} from './retry.js';

/** Node's TLS error codes that mean the server's certificate is not the one we trust. */
const TLS_ERROR_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

/** Statuses worth another try: too many requests, the service restarting, a proxy in between. */
const RETRYABLE_STATUSES = [429, 500, 502, 503, 504];

/** Network failures worth another try: got's own list, and a host that is briefly unreachable. */
const RETRYABLE_ERROR_CODES = [
  'ETIMEDOUT',
  'ECONNRESET',
  'EADDRINUSE',
  'ECONNREFUSED',
  'EPIPE',
  'ENOTFOUND',
  'ENETUNREACH',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ECONNABORTED',
];

export interface ServiceClientOptions {
  /** The service's base URL, e.g. https://upgrade.example:8443 (the /v1 prefix is added). */
  readonly url: string;
  /** The CA that issued the service's TLS certificate (PEM text or DER): the only one trusted. */
  readonly certificateAuthority: string | Uint8Array;
  /** Per-request timeout. Default 15 s. */
  readonly timeoutMs?: number;
  readonly retry?: RetryPolicy;
  /** Waits between retries (the engine's clock). */
  readonly sleep: (ms: number) => Promise<void>;
  /** 0 <= x < 1, for retry jitter. Default Math.random. */
  readonly random?: () => number;
  /** Told before each retry, e.g. to show "retrying". */
  readonly onRetry?: (attempt: number, delayMs: number) => void;
}

interface CallOptions {
  readonly json?: unknown;
  /** Safe to send again when the first answer was lost. */
  readonly isIdempotent: boolean;
  readonly token?: string;
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

function bytes(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'));
}

function toPem(certificateAuthority: string | Uint8Array): string {
  return typeof certificateAuthority === 'string'
    ? certificateAuthority
    : new X509Certificate(certificateAuthority).toString();
}

/**
 * Key references as numbers from the API's two lower-case hex digits (PIV '9a' -> 0x9a, SITHS EID '03' -> 0x03).
 * Throws ServiceError 'service-answer-malformed' for anything else.
 */
function slotNumber(slot: string): number {
  if (!/^[0-9a-f]{2}$/.test(slot)) {
    throw new ServiceError('service-answer-malformed', `the slot ${slot} is not two lower-case hex digits`);
  }
  return Number.parseInt(slot, 16);
}

function certificateOf(view: CertificateView) {
  return {
    serial: view.serial,
    identity: view.identity,
    purpose: view.purpose,
    origin: view.origin,
    cardNumber: view.cardNumber,
    itemId: view.itemId,
    status: view.status,
    installed: view.installed,
    issuer: view.issuer,
    subject: view.subject,
    notBefore: new Date(view.notBefore),
    notAfter: new Date(view.notAfter),
    certificate: bytes(view.certificate),
  };
}

function issuedOf(answer: CertificateWithChain) {
  return {
    certificate: certificateOf(answer.certificate),
    chain: answer.chain.map(bytes),
    root: bytes(answer.root),
  };
}

/**
 * The upgrade service's v1 API over HTTPS (the only importer of got). Trusts only the configured service CA;
 * times out every request; retries idempotent calls through got's retry (backoff retryDelayMs, Retry-After) on
 * network failures, 429 and 5xx;
 * turns every failure into a ServiceError: 'service-unreachable', 'service-tls', 'service-refused' {status,
 * reason}, 'service-error' {status}, 'service-answer-malformed'. Answers are decoded (base64 -> bytes, dates,
 * slots as numbers) but not judged: the engine checks them (invariant 5).
 */
export class ServiceClient {
  readonly #got: Got;
  readonly #options: ServiceClientOptions;

  constructor(options: ServiceClientOptions) {
    this.#options = options;
    const policy = options.retry ?? DEFAULT_RETRY_POLICY;
    this.#got = got.extend({
      prefixUrl: new URL(API_PREFIX.slice(1), options.url.endsWith('/') ? options.url : `${options.url}/`)
        .href,
      https: {certificateAuthority: toPem(options.certificateAuthority), rejectUnauthorized: true},
      timeout: {request: options.timeoutMs ?? 15_000},
      // got decides whether a failure is retried (limit, methods, status codes, network error codes, a
      // Retry-After beyond the cap); the delay is retryDelayMs, waited on the engine's clock (options.sleep).
      retry: {
        limit: policy.attempts - 1,
        methods: ['GET', 'POST'],
        statusCodes: RETRYABLE_STATUSES,
        errorCodes: RETRYABLE_ERROR_CODES,
        maxRetryAfter: policy.maxDelayMs,
        enforceRetryRules: true,
        calculateDelay: (retry) => this.#waitBeforeRetry(policy, retry),
      },
      throwHttpErrors: true,
      followRedirect: false,
      responseType: 'text',
    });
  }

  /**
   * got's calculateDelay, called only for a failure got's rules retry: waits the backoff (or the Retry-After) on
   * the engine's clock, then lets got go on at once (1 ms; 0 would mean no retry).
   */
  async #waitBeforeRetry(policy: RetryPolicy, {attemptCount, retryAfter}: RetryObject): Promise<number> {
    const random = (this.#options.random ?? Math.random)();
    const delay = retryDelayMs(attemptCount, policy, random, retryAfter);
    if (delay === undefined) return 0;
    this.#options.onRetry?.(attemptCount, delay);
    await this.#options.sleep(delay);
    return 1;
  }

  /**
   * Starts a login: POST /v1/login/challenge with the card's authentication certificate, card number and card
   * profile (the service plans for that profile). The
   * returned `toBeSigned` is checked to be a login challenge (the v1 prefix and 32 bytes), so the service can
   * never make the card sign anything else; `finish` posts the card's signature (POST /v1/login) and resolves to
   * the session. Throws ServiceError.
   */
  async beginLogin(input: {certificate: Uint8Array; cardNumber: string; cardProfile: CardProfile}) {
    const challenge = await this.#call<LoginChallenge>('POST', 'login/challenge', {
      json: {
        certificate: base64(input.certificate),
        cardNumber: input.cardNumber,
        cardProfile: input.cardProfile,
      } satisfies LoginChallengeRequest,
      isIdempotent: false,
    });
    const toBeSigned = bytes(challenge.toBeSigned);
    // Domain separation: the card signs nothing but a login challenge of this API.
    if (!isLoginToBeSigned(toBeSigned)) {
      throw new ServiceError('service-answer-malformed', 'the login challenge is not a v1 login challenge');
    }
    return {
      toBeSigned,
      finish: async (signature: Uint8Array) => {
        const login = await this.#call<LoginResponse>('POST', 'login', {
          json: {challengeId: challenge.challengeId, signature: base64(signature)},
          isIdempotent: false,
        });
        return this.#session(login);
      },
    };
  }

  /**
   * The issuing CAs the service publishes (GET /v1/authorities, no login): for each identity its chain, the
   * issuing CA first, without the root. Decoded, not judged: verifyIssuingAuthorities checks them against the
   * configured root. Throws ServiceError.
   */
  async issuingAuthorities() {
    const answer = await this.#call<IssuingAuthorities>('GET', 'authorities', {isIdempotent: true});
    if (!Array.isArray(answer?.chains)) {
      throw new ServiceError('service-answer-malformed', 'GET /authorities: no chains');
    }
    return {
      chains: answer.chains.map((entry) => ({identity: entry.identity, chain: entry.chain.map(bytes)})),
      root: bytes(answer.root),
    };
  }

  #session(login: LoginResponse) {
    const token = login.token;
    const call: SessionCall = (method, path, options) => this.#call(method, path, {...options, token});
    const {person, card} = login;
    return {
      identity: {
        person: {
          hsaId: person.hsaId,
          personnummer: person.personnummer,
          name: person.name,
          organisation: person.organisation,
        },
        card: {number: card.number, status: card.status},
      },
      ...upgradeCalls(call),
      managementKeyRelay: () => managementKeyRelay(call),
      ...certificateCalls(call),
    };
  }

  /**
   * One call, retried by got when `isIdempotent` (a non-idempotent call is never sent twice: its first answer may
   * have been lost after the service acted on it).
   */
  async #call<T>(method: Method, path: string, options: CallOptions): Promise<T> {
    let response;
    try {
      response = await this.#got(path, {
        method,
        json: options.json,
        headers: options.token === undefined ? {} : {authorization: `Bearer ${options.token}`},
        ...(!options.isIdempotent && {retry: {limit: 0}}),
      });
    } catch (error) {
      if (!(error instanceof HTTPError)) throw networkError(method, path, error);
      response = error.response;
    }
    const {statusCode, body} = response;
    let parsed: unknown;
    try {
      parsed = body === '' ? undefined : JSON.parse(body);
    } catch (error) {
      throw new ServiceError(
        'service-answer-malformed',
        `${method} /${path}: answer is not JSON`,
        {status: statusCode},
        {
          cause: error,
        },
      );
    }
    if (statusCode >= 200 && statusCode < 300) return parsed as T;
    const errorBody = parsed as Partial<ErrorBody> | undefined;
    const reason = typeof errorBody?.error === 'string' ? errorBody.error : undefined;
    const retryAfterMs =
      typeof errorBody?.retryAfterSeconds === 'number' ? errorBody.retryAfterSeconds * 1000 : undefined;
    const details = {status: statusCode, reason, retryAfterMs};
    if (statusCode >= 500) {
      throw new ServiceError(
        'service-error',
        `${method} /${path}: ${statusCode} ${reason ?? ''}`.trim(),
        details,
      );
    }
    throw new ServiceError(
      'service-refused',
      `${method} /${path}: ${statusCode} ${reason ?? ''}`.trim(),
      details,
    );
  }
}

/** A call of a logged-in session: its bearer token added. */
type SessionCall = <T>(method: Method, path: string, options: Omit<CallOptions, 'token'>) => Promise<T>;

/** The upgrade's calls: the terms and their acceptance, the plan, issuance, declaration and completion. */
function upgradeCalls(call: SessionCall) {
  return {
    terms: async () => {
      const terms = await call<TermsView>('GET', 'terms', {isIdempotent: true});
      return {version: terms.version, text: {sv: terms.text.sv, en: terms.text.en}};
    },
    acceptTerms: async (version: string) => {
      await call('POST', 'terms/acceptance', {json: {version}, isIdempotent: true});
    },
    plan: async () => planOf(await call<Plan>('GET', 'plan', {isIdempotent: true})),
    issue: async (
      itemId: string,
      certificationRequest: Uint8Array,
      attestation?: {certificate: Uint8Array; intermediate: Uint8Array},
    ) =>
      issuedOf(
        await call<CertificateWithChain>('POST', 'certificates', {
          json: {
            itemId,
            request: base64(certificationRequest),
            ...(attestation && {
              attestation: {
                certificate: base64(attestation.certificate),
                intermediate: base64(attestation.intermediate),
              },
            }),
          },
          isIdempotent: true,
        }),
      ),
    declareCertificates: async (certificates: readonly Uint8Array[]) => {
      const answer = await call<DeclarationResponse>('POST', 'card/certificates/declaration', {
        json: {certificates: certificates.map(base64)},
        isIdempotent: true,
      });
      return answer.replaces.map(certificateOf);
    },
    complete: async (installed: readonly string[]) => {
      const answer = await call<CompletionResponse>('POST', 'completion', {
        json: {installed},
        isIdempotent: true,
      });
      return answer.revoked.map(certificateOf);
    },
  };
}

/** The plan as the engine reads it: slots as numbers, dates and bytes decoded. */
function planOf(plan: Plan) {
  return {
    cardNumber: plan.card.number,
    termsVersion: plan.termsVersion,
    isTermsAccepted: plan.isTermsAccepted,
    items: plan.items.map((item) => ({
      id: item.id,
      identity: item.identity,
      purpose: item.purpose,
      keyAlgorithm: item.keyAlgorithm,
      slot: slotNumber(item.slot),
      pinPolicy: item.pinPolicy,
      subject: {commonName: item.subject.commonName, serialNumber: item.subject.serialNumber},
      issued: item.issued === undefined ? undefined : certificateOf(item.issued),
    })),
  };
}

/** The management-key relay of one authentication: the witness out, the card's answer back (never retried). */
function managementKeyRelay(call: SessionCall) {
  let relayId: string | undefined;
  return {
    respond: async (algorithm: number, witness: Uint8Array) => {
      const answer = await call<WitnessAnswer>('POST', 'management-key/witness', {
        json: {algorithm: managementKeyAlgorithm(algorithm), witness: base64(witness)},
        isIdempotent: false,
      });
      relayId = answer.relayId;
      return {decryptedWitness: bytes(answer.decryptedWitness), challenge: bytes(answer.challenge)};
    },
    verify: async (cardResponse: Uint8Array) => {
      await call('POST', 'management-key/response', {
        json: {relayId, response: base64(cardResponse)},
        isIdempotent: false,
      });
    },
  };
}

/** The person's certificates: the list, revocation, and the re-fetch of this card's. */
function certificateCalls(call: SessionCall) {
  return {
    listCertificates: async () =>
      (await call<CertificateList>('GET', 'certificates', {isIdempotent: true})).certificates.map(
        certificateOf,
      ),
    revoke: async (serial: string) => {
      await call('POST', `certificates/${encodeURIComponent(serial)}/revocation`, {
        json: {reason: 'unspecified'},
        isIdempotent: true,
      });
    },
    refetch: async () =>
      (await call<CardCertificates>('GET', 'card/certificates', {isIdempotent: true})).certificates.map(
        (entry) => ({
          ...issuedOf(entry),
          slot: slotNumber(entry.slot),
        }),
      ),
  };
}

function networkError(method: Method, path: string, error: unknown): ServiceError {
  const code = error instanceof RequestError ? error.code : undefined;
  if (code !== undefined && TLS_ERROR_CODES.has(code)) {
    return new ServiceError('service-tls', `${method} /${path}: TLS failed (${code})`, {}, {cause: error});
  }
  return new ServiceError(
    'service-unreachable',
    `${method} /${path}: no answer (${code ?? 'unknown'})`,
    {},
    {
      cause: error,
    },
  );
}

/**
 * The API's name of a PIV management-key algorithm (docs/piv-card.md section 3: 0A AES-192, 03 or 00 3DES).
 */
function managementKeyAlgorithm(algorithm: number): 'aes-192' | '3des' {
  if (algorithm === 0x0a) return 'aes-192';
  if (algorithm === 0x03 || algorithm === 0x00) return '3des';
  throw new ServiceError('service-refused', `management key algorithm ${algorithm} is not relayed`, {
    reason: 'algorithm-not-supported',
  });
}
