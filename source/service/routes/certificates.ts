import type {FastifyInstance} from 'fastify';
import {
  cardCertificatesSchema,
  certificateListSchema,
  certificateParamsSchema,
  certificateWithChainSchema,
  completionRequestSchema,
  completionResponseSchema,
  declarationRequestSchema,
  declarationResponseSchema,
  issuanceRequestSchema,
  revocationRequestSchema,
  certificateViewSchema,
  type CardCertificates,
  type CertificateList,
  type CertificateView,
  type CertificateWithChain,
  type CompletionRequest,
  type CompletionResponse,
  type DeclarationRequest,
  type DeclarationResponse,
  type IssuanceRequest,
  type RevocationRequest,
} from '../../protocol/certificates.js';
import {errorBodySchema} from '../../protocol/common.js';
import type {KeyAttestation} from '../attestation.js';
import {declareCardCertificates} from '../certificate-declaration.js';
import {certificateView} from '../certificate-view.js';
import {completeUpgrade} from '../completion.js';
import type {ServiceContext} from '../context.js';
import {issueCertificate} from '../issuance.js';
import {issuedForItem, planItemId, planOf} from '../plan.js';
import {personsCertificate, revokeCertificate} from '../revocation.js';
import {authenticate, requireReceivedCard} from '../sessions.js';
import {certificatesOfCard, certificatesOfPerson, type CertificateRecord} from '../store/certificates.js';
import {fromBase64, toBase64} from './base64.js';

const refusals = {'4xx': errorBodySchema} as const;

/** Issuance, the person's certificates, revocation, re-fetch, the card's declaration, completion. */
export function registerCertificateRoutes(app: FastifyInstance, context: ServiceContext): void {
  issuanceRoute(app, context);
  certificateListRoute(app, context);
  certificateRoute(app, context);
  revocationRoute(app, context);
  cardCertificatesRoute(app, context);
  declarationRoute(app, context);
  completionRoute(app, context);
}

/** POST /v1/certificates: issues the certificate of a plan item. */
function issuanceRoute(app: FastifyInstance, context: ServiceContext): void {
  app.post<{Body: IssuanceRequest; Reply: CertificateWithChain}>(
    '/v1/certificates',
    {
      schema: {
        tags: ['certificates'],
        summary: 'Issue the certificate of a plan item from a certificate request',
        description:
          'The PKCS#10 request must be signed by the new key (proof of possession) and hold a key of the item’s ' +
          'algorithm and size. The subject comes from the directory (C, O, CN, givenName, surname, serialNumber = ' +
          'HSA-id or personnummer), never from the request; a request whose subject names another serialNumber ' +
          'is refused. Authentication certificates get keyUsage digitalSignature and EKU clientAuth; signature ' +
          'certificates keyUsage nonRepudiation; all carry a CRL distribution point and AIA caIssuers. Idempotent ' +
          'per public key: the same key for the same card and item returns the same certificate (200); a key seen ' +
          'in any other certificate is refused. A newer certificate for the same card, identity and purpose ' +
          'revokes the earlier ones that were never reported installed. Needs the current terms accepted. ' +
          'Refusals: card-not-received, plan-item-unknown, terms-not-accepted, request-malformed, ' +
          'request-signature-invalid, key-algorithm-mismatch, request-for-another-person, key-reused, ' +
          'attestation-*, session-*. A PIV card proves that it generated the key: attestation holds the ' +
          'certificate ATTEST answered for the item’s slot and the card’s F9 certificate, which must chain to an ' +
          'attestation root in the service’s config (refused without it unless the config turns it off).',
        security: [{bearer: []}],
        body: issuanceRequestSchema,
        response: {200: certificateWithChainSchema, 201: certificateWithChainSchema, ...refusals},
      },
    },
    async (request, reply) => {
      const session = await authenticate(context, request.headers.authorization);
      const {record, isNew} = await issueCertificate(
        context,
        session,
        request.body.itemId,
        fromBase64(request.body.request),
        attestationOf(request.body.attestation),
      );
      return reply.code(isNew ? 201 : 200).send(withChain(context, record));
    },
  );
}

function attestationOf(attestation: IssuanceRequest['attestation']): KeyAttestation | undefined {
  return (
    attestation && {
      certificate: fromBase64(attestation.certificate),
      intermediate: fromBase64(attestation.intermediate),
    }
  );
}

/** GET /v1/certificates: the person's certificates. */
function certificateListRoute(app: FastifyInstance, context: ServiceContext): void {
  app.get<{Reply: CertificateList}>(
    '/v1/certificates',
    {
      schema: {
        tags: ['certificates'],
        summary: 'The logged-in person’s certificates (all cards)',
        security: [{bearer: []}],
        response: {200: certificateListSchema, ...refusals},
      },
    },
    async (request) => {
      const session = await authenticate(context, request.headers.authorization);
      const now = context.now();
      return {
        certificates: (await certificatesOfPerson(context.store, session.person.hsaId)).map((record) =>
          certificateView(record, now),
        ),
      };
    },
  );
}

/** GET /v1/certificates/:serial: one of the person's certificates, with its chain. */
function certificateRoute(app: FastifyInstance, context: ServiceContext): void {
  app.get<{Params: {serial: string}; Reply: CertificateWithChain}>(
    '/v1/certificates/:serial',
    {
      schema: {
        tags: ['certificates'],
        summary: 'One of the person’s certificates, with its chain',
        description: 'Refusals: certificate-not-found (also for another person’s certificate), session-*.',
        security: [{bearer: []}],
        params: certificateParamsSchema,
        response: {200: certificateWithChainSchema, ...refusals},
      },
    },
    async (request) =>
      withChain(
        context,
        await personsCertificate(
          context,
          await authenticate(context, request.headers.authorization),
          request.params.serial,
        ),
      ),
  );
}

/** POST /v1/certificates/:serial/revocation: revokes one of the person's certificates. */
function revocationRoute(app: FastifyInstance, context: ServiceContext): void {
  app.post<{Params: {serial: string}; Body: RevocationRequest; Reply: CertificateView}>(
    '/v1/certificates/:serial/revocation',
    {
      schema: {
        tags: ['certificates'],
        summary: 'Revoke (spärra) one of the person’s certificates',
        description:
          'Revokes the certificate and publishes its CA’s CRL in the same transaction. Revoking a revoked ' +
          'certificate returns it unchanged. Refusals: certificate-not-found (also for another person’s ' +
          'certificate), session-*.',
        security: [{bearer: []}],
        params: certificateParamsSchema,
        body: revocationRequestSchema,
        response: {200: certificateViewSchema, ...refusals},
      },
    },
    async (request) => {
      const session = await authenticate(context, request.headers.authorization);
      const record = await revokeCertificate(context, session, request.params.serial, request.body.reason);
      return certificateView(record, context.now());
    },
  );
}

/** GET /v1/card/certificates: re-fetch of this card's valid certificates. */
function cardCertificatesRoute(app: FastifyInstance, context: ServiceContext): void {
  app.get<{Reply: CardCertificates}>(
    '/v1/card/certificates',
    {
      schema: {
        tags: ['certificates'],
        summary: 'Re-fetch the valid certificates issued for this card, with chains and target slots',
        description: 'Refusals: card-not-received, session-*.',
        security: [{bearer: []}],
        response: {200: cardCertificatesSchema, ...refusals},
      },
    },
    async (request) => {
      const session = await authenticate(context, request.headers.authorization);
      requireReceivedCard(session);
      const now = context.now();
      const records = await certificatesOfCard(context.store, session.card.number);
      return {
        certificates: planOf(context, session).flatMap((item) => {
          const issued = issuedForItem(records, planItemId(item), now);
          return issued ? [{...withChain(context, issued), slot: item.slot}] : [];
        }),
      };
    },
  );
}

/** POST /v1/card/certificates/declaration: the certificates on the card, before the upgrade writes. */
function declarationRoute(app: FastifyInstance, context: ServiceContext): void {
  app.post<{Body: DeclarationRequest; Reply: DeclarationResponse}>(
    '/v1/card/certificates/declaration',
    {
      schema: {
        tags: ['upgrade'],
        summary: 'Declare the certificates on the card before the upgrade writes anything',
        description:
          'Before the first key generation of an upgrade (and again on every resumed run), the client sends every ' +
          'certificate of the logged-in person on the card except the plan items’ current ones (DER). Each one ' +
          'the service has not seen must be issued by one of its CAs, carry the person’s HSA-id or personnummer ' +
          'as subject serialNumber, and name this card when it names one; it is then recorded against the card, ' +
          'so completion revokes it even when the run that overwrote it never finishes. A known certificate must ' +
          'be this card’s and person’s. All or nothing: a refusal records none. Idempotent. Answers the card’s ' +
          'earlier valid certificates that completion revokes. Refusals: card-not-received, ' +
          'certificate-malformed, certificate-foreign, certificate-not-owned, session-*.',
        security: [{bearer: []}],
        body: declarationRequestSchema,
        response: {200: declarationResponseSchema, ...refusals},
      },
    },
    async (request) => {
      const replaces = await declareCardCertificates(
        context,
        await authenticate(context, request.headers.authorization),
        request.body.certificates.map(fromBase64),
      );
      const now = context.now();
      return {replaces: replaces.map((record) => certificateView(record, now))};
    },
  );
}

/** POST /v1/completion: records what was installed and revokes what it replaced. */
function completionRoute(app: FastifyInstance, context: ServiceContext): void {
  app.post<{Body: CompletionRequest; Reply: CompletionResponse}>(
    '/v1/completion',
    {
      schema: {
        tags: ['upgrade'],
        summary: 'Complete the upgrade: record what was installed, revoke what it replaced',
        description:
          'Every plan item’s current certificate must be reported installed (by serial). The service marks them ' +
          'installed, revokes every other valid certificate it recorded for the card (seen at login, declared ' +
          'before the upgrade wrote anything, or issued and replaced; reason superseded), whether or not the card ' +
          'still holds them, publishes the CRLs and records the completion, in one transaction. Idempotent. ' +
          'Refusals: card-not-received, upgrade-incomplete, certificate-not-found, session-*.',
        security: [{bearer: []}],
        body: completionRequestSchema,
        response: {200: completionResponseSchema, ...refusals},
      },
    },
    async (request) =>
      completeUpgrade(
        context,
        await authenticate(context, request.headers.authorization),
        request.body.installed,
      ),
  );
}

/** A certificate record as the API shows it, with its chain: the intermediates, nearest first, and the root. */
function withChain(context: ServiceContext, record: CertificateRecord): CertificateWithChain {
  const chain = context.authorities.chainOf(record.authority);
  return {
    certificate: certificateView(record, context.now()),
    chain: chain.slice(0, -1).map((authority) => toBase64(authority.certificate)),
    root: toBase64(chain.at(-1)!.certificate),
  };
}
