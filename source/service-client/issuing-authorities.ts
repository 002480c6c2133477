import {parseCertificate, verifyChain} from '../pki/certificate.js';
import {KeyUsage} from '../pki/extensions.js';
import {PkiError} from '../pki/errors.js';
import {ServiceError} from './errors.js';

/** The issuing CAs as ServiceClient.issuingAuthorities decodes them (DER). */
export interface PublishedAuthorities {
  readonly chains: readonly {readonly identity: string; readonly chain: readonly Uint8Array[]}[];
}

/**
 * Checks each published chain against the configured roots (`anchors`, from --service-ca), at `date`, with
 * source/pki verifyChain: every signature from the issuing CA up to an anchor, every certificate valid at the
 * date, every issuer a CA allowed to issue; and the issuing CA itself a CA with keyCertSign (verifyChain does not
 * ask that of the certificate it starts at). The service's own `root` is not trusted by itself. Returns the
 * verified CA certificates (DER, without the anchors), to judge the card's certificates with.
 * Throws ServiceError 'service-chain-untrusted' {reason: the PKI check that failed}.
 */
export function verifyIssuingAuthorities(
  published: PublishedAuthorities,
  anchors: readonly Uint8Array[],
  date: Date,
): Uint8Array[] {
  const trusted: Uint8Array[] = [];
  for (const {identity, chain} of published.chains) {
    const [issuing, ...above] = chain;
    if (issuing === undefined) throw untrusted(identity, 'chain-untrusted', 'the chain is empty');
    try {
      if (!isIssuer(issuing)) throw new PkiError('chain-untrusted', 'the issuing certificate is not a CA');
      const path = verifyChain(issuing, above, anchors, {date});
      // Only what the path went through, below the anchor: nothing else of the answer is trusted.
      const inPath = new Set(path.slice(0, -1).map((step) => step.fingerprint));
      trusted.push(...chain.filter((der) => inPath.has(parseCertificate(der).fingerprint)));
    } catch (error) {
      if (!(error instanceof PkiError)) throw error;
      throw untrusted(identity, error.code, error.message, error);
    }
  }
  return trusted;
}

/** A CA certificate that may sign certificates (basicConstraints cA; keyCertSign when keyUsage is there). */
function isIssuer(der: Uint8Array): boolean {
  const details = parseCertificate(der);
  return (
    details.isCertificateAuthority &&
    (details.keyUsage.length === 0 || details.keyUsage.includes(KeyUsage.KeyCertSign))
  );
}

function untrusted(identity: string, reason: string, message: string, cause?: unknown): ServiceError {
  return new ServiceError(
    'service-chain-untrusted',
    `the ${identity} issuing CAs of the service do not verify to the configured root: ${message}`,
    {reason},
    {cause},
  );
}
