import type {FastifyInstance} from 'fastify';
import {errorBodySchema} from '../../protocol/common.js';
import {
  cardResponseRequestSchema,
  cardResponseVerdictSchema,
  witnessAnswerSchema,
  witnessRequestSchema,
  type CardResponseRequest,
  type CardResponseVerdict,
  type WitnessAnswer,
  type WitnessRequest,
} from '../../protocol/management-key.js';
import {planSchema, type Plan} from '../../protocol/plan.js';
import {
  termsAcceptanceRequestSchema,
  termsAcceptanceSchema,
  termsViewSchema,
  type TermsAcceptance,
  type TermsAcceptanceRequest,
  type TermsView,
} from '../../protocol/terms.js';
import type {ServiceContext} from '../context.js';
import {RefusalError} from '../errors.js';
import type {ManagementKeyRelay} from '../management-key-relay.js';
import {buildPlan} from '../plan.js';
import {authenticate, requireReceivedCard, type AuthenticatedSession} from '../sessions.js';
import {appendAudit} from '../store/audit-log.js';
import {acceptTerms, currentTerms, termsView} from '../terms.js';
import {fromBase64, toBase64} from './base64.js';

const refusals = {'4xx': errorBodySchema} as const;

/** GET /v1/terms, POST /v1/terms/acceptance, GET /v1/plan, the management-key relay. */
export function registerUpgradeRoutes(
  app: FastifyInstance,
  context: ServiceContext,
  relay: ManagementKeyRelay,
): void {
  termsRoute(app, context);
  termsAcceptanceRoute(app, context);
  planRoute(app, context);
  witnessRoute(app, context, relay);
  cardResponseRoute(app, context, relay);
}

/** GET /v1/terms: the current terms. */
function termsRoute(app: FastifyInstance, context: ServiceContext): void {
  app.get<{Reply: TermsView}>(
    '/v1/terms',
    {
      schema: {
        tags: ['upgrade'],
        summary: 'The current terms, in Swedish and English',
        description: 'Public. Versioned: acceptance names the version read.',
        response: {200: termsViewSchema, ...refusals},
      },
    },
    async () => termsView(currentTerms(context)),
  );
}

/** POST /v1/terms/acceptance: records that the person accepted a version. */
function termsAcceptanceRoute(app: FastifyInstance, context: ServiceContext): void {
  app.post<{Body: TermsAcceptanceRequest; Reply: TermsAcceptance}>(
    '/v1/terms/acceptance',
    {
      schema: {
        tags: ['upgrade'],
        summary: 'Accept the terms (records version and time)',
        description:
          'Records that the session’s person accepted `version`, with the time; accepting the same version again ' +
          'returns the first acceptance. Issuance needs the current version accepted. Refusals: ' +
          'terms-version-outdated, session-*.',
        security: [{bearer: []}],
        body: termsAcceptanceRequestSchema,
        response: {200: termsAcceptanceSchema, ...refusals},
      },
    },
    async (request) =>
      acceptTerms(context, await authenticate(context, request.headers.authorization), request.body.version),
  );
}

/** GET /v1/plan: the plan of the session's card profile. */
function planRoute(app: FastifyInstance, context: ServiceContext): void {
  app.get<{Reply: Plan}>(
    '/v1/plan',
    {
      schema: {
        tags: ['upgrade'],
        summary: 'The upgrade plan for the session’s card',
        description:
          'Per item: identity, purpose, key algorithm (configured: rsa-2048 or ecc-p256), target slot, PIN ' +
          'policy, the subject the certificate will carry (from the directory), and the valid certificate already ' +
          'issued for the item on this card, if any (resume: the same key gets the same certificate). `replaces` ' +
          'lists the earlier valid certificates of the card that completion revokes, as far as the service has ' +
          'seen them (the declaration adds the rest). Only a card with directory status "received" has a plan. ' +
          'Refusals: card-not-received, session-*.',
        security: [{bearer: []}],
        response: {200: planSchema, ...refusals},
      },
    },
    async (request) => buildPlan(context, await authenticate(context, request.headers.authorization)),
  );
}

/** POST /v1/management-key/witness: the relay's first half, Rc and Rh for the card's witness. */
function witnessRoute(app: FastifyInstance, context: ServiceContext, relay: ManagementKeyRelay): void {
  app.post<{Body: WitnessRequest; Reply: WitnessAnswer}>(
    '/v1/management-key/witness',
    {
      schema: {
        tags: ['management key'],
        summary: 'Relay step 1: decrypt the card’s witness and get a challenge for the card',
        description:
          'PIV management-key mutual authentication (SP 800-73-4 part 2 A.1) with the key held by the service: ' +
          'the per-card key is HKDF-SHA256 of the service’s master secret and the card number (AES-192 or 3DES, ' +
          '24 bytes), or a fixed key registered for the card. Returns Rc and a fresh Rh, single-use, bound to ' +
          'this session and its card, valid two minutes. Only for a session whose card profile is piv: a siths-eid ' +
          'card has no management key. Refusals: witness-malformed, card-not-received, no-management-key, ' +
          'session-*.',
        security: [{bearer: []}],
        body: witnessRequestSchema,
        response: {200: witnessAnswerSchema, ...refusals},
      },
    },
    async (request) => {
      const session = await authenticate(context, request.headers.authorization);
      requireReceivedCard(session);
      requireManagementKey(session);
      const answer = await relay.answerWitness(
        {sessionId: session.id, cardNumber: session.card.number},
        request.body.algorithm,
        fromBase64(request.body.witness),
      );
      return {
        relayId: answer.relayId,
        decryptedWitness: toBase64(answer.decryptedWitness),
        challenge: toBase64(answer.challenge),
        expiresAt: answer.expiresAt.toISOString(),
      };
    },
  );
}

/** POST /v1/management-key/response: the relay's second half, the card's answer checked. */
function cardResponseRoute(app: FastifyInstance, context: ServiceContext, relay: ManagementKeyRelay): void {
  app.post<{Body: CardResponseRequest; Reply: CardResponseVerdict}>(
    '/v1/management-key/response',
    {
      schema: {
        tags: ['management key'],
        summary: 'Relay step 2: check the card’s answer to the challenge',
        description:
          'Checks E(K, Rh) from the card against this card’s key (once per relay). Refusals: relay-unknown (no ' +
          'open relay with this id for this session and card), relay-response-mismatch (the card does not hold ' +
          'the key expected for it), card-not-received, no-management-key, session-*.',
        security: [{bearer: []}],
        body: cardResponseRequestSchema,
        response: {200: cardResponseVerdictSchema, ...refusals},
      },
    },
    async (request) => {
      const session = await authenticate(context, request.headers.authorization);
      requireReceivedCard(session);
      requireManagementKey(session);
      const algorithm = await relay.checkResponse(
        {sessionId: session.id, cardNumber: session.card.number},
        request.body.relayId,
        fromBase64(request.body.response),
      );
      const now = context.now();
      await appendAudit(context.store, {
        at: now,
        actor: session.person.hsaId,
        cardNumber: session.card.number,
        action: 'management-key-authenticated',
        detail: {
          algorithm,
          keySource: context.settings.managementKeys.fixed.has(session.card.number) ? 'fixed' : 'derived',
        },
      });
      return {isAuthenticated: true as const};
    },
  );
}

/** Throws RefusalError 'no-management-key' unless the session's card profile has a management key (PIV). */
function requireManagementKey(session: AuthenticatedSession): void {
  if (session.cardProfile !== 'piv') {
    throw new RefusalError(
      'no-management-key',
      `a ${session.cardProfile} card has no management key; its authentication PIN allows the upgrade's writes`,
    );
  }
}
