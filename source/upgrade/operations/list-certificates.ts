import type {ServiceCertificate} from '../ports.js';
import type {ServiceCertificateView} from '../state.js';
import type {OperationContext} from './context.js';

/** List certificates: the person's certificates as the service knows them (after login). */
export async function listCertificates(context: OperationContext): Promise<void> {
  const session = await context.logIn('list-certificates');
  context.emit({type: 'operationStarted', operation: 'list-certificates', activity: 'asking-service'});
  const certificates = await session.listCertificates();
  context.emit({
    type: 'operationCompleted',
    result: {type: 'certificates-listed', certificates: certificates.map(serviceCertificateView)},
  });
}

/** A service certificate as the screens show it. */
export function serviceCertificateView(certificate: ServiceCertificate): ServiceCertificateView {
  const {serial, origin, identity, purpose, status, notAfter, cardNumber} = certificate;
  return {serial, origin, identityKind: identity, purpose, status, notAfter, cardNumber};
}
