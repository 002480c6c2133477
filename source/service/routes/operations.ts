import type {FastifyInstance} from 'fastify';
import {Type} from 'typebox';
import {errorBodySchema} from '../../protocol/common.js';
import type {ServiceContext} from '../context.js';
import {RefusalError} from '../errors.js';
import {MIGRATIONS} from '../store/migrations.js';

const statusSchema = Type.Object({status: Type.Literal('ok')}, {additionalProperties: false});

/**
 * For load balancers and orchestration: GET /v1/health (the process answers) and GET /v1/ready (the store answers
 * and has the schema this instance runs, so that an instance is taken into rotation only when it can serve).
 */
export function registerOperationsRoutes(app: FastifyInstance, context: ServiceContext): void {
  app.get(
    '/v1/health',
    {
      schema: {
        tags: ['operations'],
        summary: 'Liveness: the process answers',
        description: 'Public. Touches nothing: 200 while the process runs.',
        response: {200: statusSchema},
      },
    },
    async () => ({status: 'ok' as const}),
  );

  app.get(
    '/v1/ready',
    {
      schema: {
        tags: ['operations'],
        summary: 'Readiness: the store is reachable and its migrations are current',
        description:
          'Public. 200 when the store answers and its schema version is the one this instance runs; else 503 ' +
          'not-ready, with the reason.',
        response: {200: statusSchema, 503: errorBodySchema},
      },
    },
    async () => {
      let version: number;
      try {
        version = await context.store.schemaVersion();
      } catch (error) {
        throw new RefusalError('not-ready', 'the store does not answer', {cause: error});
      }
      const expected = MIGRATIONS.at(-1)!.version;
      if (version !== expected) {
        throw new RefusalError(
          'not-ready',
          `the store has schema version ${version}, this instance ${expected}`,
        );
      }
      return {status: 'ok' as const};
    },
  );
}
