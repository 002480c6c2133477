import {X509Certificate, type KeyObject} from 'node:crypto';
import type {Identity} from '../protocol/common.js';
import type {AuthoritySettings, ServiceSettings} from './config.js';
import {verifyChain, type CertificateDetails} from '../pki/certificate.js';
import {PkiError} from '../pki/errors.js';
import {sha256Hex, type CertificateFacts} from './certificate-facts.js';
import {RefusalError, ServiceSetupError} from './errors.js';

/** A configured CA with its parsed certificate. */
export interface Authority {
  readonly id: string;
  readonly certificate: Uint8Array;
  readonly x509: X509Certificate;
  readonly privateKey: KeyObject | undefined;
}

/** Longest chain the service builds (leaf, intermediates, anchor). */
const MAX_CHAIN_LENGTH = 6;

/**
 * The CAs of the service: the root and the issuing CAs of the new certificates, and the CA of the cards' earlier
 * certificates. Finds who issued a certificate, builds chains, and judges login certificates.
 */
export class Authorities {
  readonly #all: readonly Authority[];
  readonly #loginAnchors: ReadonlySet<string>;

  constructor(private readonly settings: ServiceSettings) {
    this.#all = settings.authorities.map(toAuthority);
    this.#loginAnchors = new Set(settings.loginTrustAnchors);
    for (const identity of ['hsa-id', 'personnummer'] as const) {
      const chain = this.chainOf(this.issuerFor(identity).id);
      if (chain.at(-1)?.id !== settings.root) {
        throw new ServiceSetupError(
          'authority-invalid',
          `the ${identity} issuer ${settings.issuers[identity]} does not chain to the root ${settings.root}`,
        );
      }
    }
  }

  get(id: string): Authority | undefined {
    return this.#all.find((authority) => authority.id === id);
  }

  /** The authorities that can sign (issue certificates and CRLs). */
  signing(): Authority[] {
    return this.#all.filter((authority) => authority.privateKey !== undefined);
  }

  issuerFor(identity: Identity): Authority & {privateKey: KeyObject} {
    const issuer = this.get(this.settings.issuers[identity]);
    if (!issuer?.privateKey) throw new ServiceSetupError('authority-invalid', `no issuer for ${identity}`);
    return {...issuer, privateKey: issuer.privateKey};
  }

  root(): Authority {
    const root = this.get(this.settings.root);
    if (!root) throw new ServiceSetupError('authority-invalid', `no root ${this.settings.root}`);
    return root;
  }

  /** The authority whose key signed `certificate`, if it is one of ours. */
  issuerOf(certificate: X509Certificate): Authority | undefined {
    return this.#all.find(
      (authority) =>
        authority.x509.ca &&
        certificate.checkIssued(authority.x509) &&
        certificate.verify(authority.x509.publicKey),
    );
  }

  /** The authority `id` and its issuers up to a self-signed one: [id, ..., root]. */
  chainOf(id: string): Authority[] {
    const chain: Authority[] = [];
    let current = this.get(id);
    while (current && chain.length < MAX_CHAIN_LENGTH) {
      chain.push(current);
      if (isSelfSigned(current.x509)) return chain;
      current = this.issuerOf(current.x509);
    }
    throw new ServiceSetupError('authority-invalid', `the chain of authority ${id} does not end in a root`);
  }

  /**
   * Checks a login certificate with source/pki verifyChain: it chains through our authorities to a login trust
   * anchor, with valid signatures and CA constraints, every certificate of the path valid at `at`. Returns the
   * authority that issued it.
   * Throws RefusalError 'certificate-untrusted', 'certificate-expired', 'certificate-not-yet-valid'.
   */
  verifyLoginCertificate(facts: CertificateFacts, at: Date): Authority {
    const anchors = this.#all.filter((authority) => this.#loginAnchors.has(authority.id));
    let path: CertificateDetails[];
    try {
      path = verifyChain(
        facts.der,
        this.#all.map((authority) => authority.certificate),
        anchors.map((authority) => authority.certificate),
        {date: at},
      );
    } catch (error) {
      if (!(error instanceof PkiError)) throw error;
      const code =
        error.code === 'certificate-expired' || error.code === 'certificate-not-yet-valid'
          ? error.code
          : 'certificate-untrusted';
      throw new RefusalError(code, error.message, {cause: error});
    }
    const issuer = path.length > 1 ? this.#byFingerprint(path[1]!.fingerprint) : undefined;
    if (!issuer) throw new RefusalError('certificate-untrusted', 'a trust anchor itself cannot log in');
    return issuer;
  }

  #byFingerprint(fingerprint: string): Authority | undefined {
    return this.#all.find((authority) => sha256Hex(authority.certificate) === fingerprint);
  }
}

function toAuthority(settings: AuthoritySettings): Authority {
  const x509 = new X509Certificate(settings.certificate);
  if (!x509.ca)
    throw new ServiceSetupError('authority-invalid', `authority ${settings.id} is not a CA certificate`);
  if (settings.privateKey && !x509.checkPrivateKey(settings.privateKey)) {
    throw new ServiceSetupError(
      'authority-invalid',
      `the private key of ${settings.id} does not match its certificate`,
    );
  }
  return {id: settings.id, certificate: settings.certificate, x509, privateKey: settings.privateKey};
}

function isSelfSigned(certificate: X509Certificate): boolean {
  return certificate.checkIssued(certificate) && certificate.verify(certificate.publicKey);
}
