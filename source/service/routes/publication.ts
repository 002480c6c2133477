import type {FastifyInstance} from 'fastify';
import {issuingAuthoritiesSchema, type IssuingAuthorities} from '../../protocol/authorities.js';
import {errorBodySchema, IDENTITIES} from '../../protocol/common.js';
import type {ServiceContext} from '../context.js';
import {currentCrl} from '../crl-publisher.js';
import {RefusalError} from '../errors.js';
import {toBase64} from './base64.js';

const fileParams = (extension: string) =>
  ({
    type: 'object',
    required: ['file'],
    additionalProperties: false,
    properties: {file: {type: 'string', pattern: `^[a-z0-9-]{1,32}\\.${extension}$`}},
  }) as const;

/**
 * The URLs the certificates name: CRLs (CRL distribution point) and CA certificates (AIA caIssuers); and the
 * issuing CAs, for clients that know only the root.
 */
export function registerPublicationRoutes(app: FastifyInstance, context: ServiceContext): void {
  app.get(
    '/v1/authorities',
    {
      schema: {
        tags: ['publication'],
        summary: 'The issuing CAs of the new certificates, each chain up to the root',
        description:
          'Public. For each identity, the CA certificates from its issuing CA up to, not including, the root ' +
          '(DER base64, the issuing CA first), and the root. A client checks each chain against the root it ' +
          'trusts before it uses the issuing CAs.',
        response: {200: issuingAuthoritiesSchema},
      },
    },
    async (): Promise<IssuingAuthorities> => issuingAuthorities(context),
  );

  app.get<{Params: {file: string}}>(
    '/v1/crl/:file',
    {
      schema: {
        tags: ['publication'],
        summary: 'The current CRL of a CA (DER), e.g. /v1/crl/hsa-id.crl',
        description:
          'Public. The CRL distribution point of the issued certificates. A new CRL is published with every ' +
          'revocation, and when the last one passes its nextUpdate. Refusals: authority-unknown, ' +
          'authority-cannot-sign.',
        params: fileParams('crl'),
        response: {
          200: {
            description: 'DER CRL',
            content: {'application/pkix-crl': {schema: {type: 'string', format: 'binary'}}},
          },
          '4xx': errorBodySchema,
        },
      },
    },
    async (request, reply) => {
      const id = request.params.file.replace(/\.crl$/, '');
      if (!context.authorities.get(id)) throw new RefusalError('authority-unknown', `no CA ${id}`);
      const crl = await currentCrl(context, id);
      if (!crl) throw new RefusalError('authority-cannot-sign', `the service publishes no CRL for ${id}`);
      return reply.type('application/pkix-crl').send(Buffer.from(crl.der));
    },
  );

  app.get<{Params: {file: string}}>(
    '/v1/authorities/:file',
    {
      schema: {
        tags: ['publication'],
        summary: 'A CA certificate (DER), e.g. /v1/authorities/hsa-id.cer',
        description: 'Public. The AIA caIssuers URL of the issued certificates. Refusals: authority-unknown.',
        params: fileParams('cer'),
        response: {
          200: {
            description: 'DER certificate',
            content: {'application/pkix-cert': {schema: {type: 'string', format: 'binary'}}},
          },
          '4xx': errorBodySchema,
        },
      },
    },
    async (request, reply) => {
      const authority = context.authorities.get(request.params.file.replace(/\.cer$/, ''));
      if (!authority) throw new RefusalError('authority-unknown', `no CA ${request.params.file}`);
      return reply.type('application/pkix-cert').send(Buffer.from(authority.certificate));
    },
  );
}

/** Each identity's chain, issuing CA first, without the root (Authorities checked at start that it ends there). */
function issuingAuthorities(context: ServiceContext): IssuingAuthorities {
  const {authorities} = context;
  return {
    chains: IDENTITIES.map((identity) => ({
      identity,
      chain: authorities
        .chainOf(authorities.issuerFor(identity).id)
        .slice(0, -1)
        .map((authority) => toBase64(authority.certificate)),
    })),
    root: toBase64(authorities.root().certificate),
  };
}
