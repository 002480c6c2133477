import type {OperationContext} from './context.js';
import {serviceCertificateView} from './list-certificates.js';

/** Revoke: the person picks one of their valid certificates (state choosing-certificate); the service revokes it. */
export async function revokeCertificate(context: OperationContext): Promise<void> {
  const session = await context.logIn('revoke');
  context.emit({type: 'operationStarted', operation: 'revoke', activity: 'asking-service'});
  const certificates = (await session.listCertificates()).filter((c) => c.status === 'valid');
  context.emit({type: 'certificatesOffered', certificates: certificates.map(serviceCertificateView)});
  const serial = await context.ask<string>('certificate');
  if (!certificates.some((c) => c.serial === serial)) return context.notNow();
  context.emit({type: 'activityChanged', activity: 'asking-service'});
  await session.revoke(serial);
  context.log('certificateRevoked', {serial});
  // The service ends the session whose login certificate this was.
  if (serial === context.sessionCertificateSerial) context.endSession();
  context.emit({type: 'operationCompleted', result: {type: 'certificate-revoked', serial}});
}
