import type {FastifyInstance} from 'fastify';
import {errorBodySchema} from '../../protocol/common.js';
import {
  loginChallengeRequestSchema,
  loginChallengeSchema,
  loginRequestSchema,
  loginResponseSchema,
  sessionViewSchema,
  type LoginChallenge,
  type LoginChallengeRequest,
  type LoginRequest,
  type LoginResponse,
  type SessionView,
} from '../../protocol/session.js';
import type {ServiceContext} from '../context.js';
import {cardView, personView} from '../directory.js';
import type {Login} from '../login.js';
import {authenticate} from '../sessions.js';
import {appendAudit} from '../store/audit-log.js';
import {findCertificate} from '../store/certificates.js';
import {endSession} from '../store/sessions.js';
import {fromBase64, toBase64} from './base64.js';

const refusals = {'4xx': errorBodySchema} as const;

/** POST /v1/login/challenge, POST /v1/login, GET /v1/session, POST /v1/logout. */
export function registerLoginRoutes(app: FastifyInstance, context: ServiceContext, login: Login): void {
  loginChallengeRoute(app, context, login);
  loginRoute(app, context, login);
  sessionRoute(app, context);
  logoutRoute(app, context);
}

/** POST /v1/login/challenge: a challenge for the card's authentication certificate. */
function loginChallengeRoute(app: FastifyInstance, context: ServiceContext, login: Login): void {
  app.post<{Body: LoginChallengeRequest; Reply: LoginChallenge}>(
    '/v1/login/challenge',
    {
      schema: {
        tags: ['login'],
        summary: 'Start a login with the card’s authentication certificate',
        description:
          'Checks that the certificate chains to a trusted CA, is valid now and not revoked, is an authentication ' +
          'certificate, and that its subject serialNumber (HSA-id or personnummer) names the directory person who ' +
          'holds `cardNumber`; a certificate naming a card number (subjectAltName hardwareModuleName) or issued ' +
          'by this service must be for that card. The session remembers `cardProfile` and plans for it. Returns ' +
          'a single-use challenge, valid two minutes: the card signs SHA-256 over `toBeSigned` with its ' +
          'authentication key. Challenges are limited per certificate and per card number presented from a client ' +
          'address (so one client presenting garbage does not lock out the others behind the same address), ' +
          'under a generous ceiling per address, and a certificate is locked out for a while after repeated ' +
          'failed signatures (429 too-many-attempts). Refusals: certificate-malformed, ' +
          'certificate-untrusted, certificate-expired, certificate-not-yet-valid, certificate-revoked, ' +
          'certificate-not-for-login, person-unknown, card-unknown, card-mismatch, too-many-attempts.',
        body: loginChallengeRequestSchema,
        response: {200: loginChallengeSchema, ...refusals},
      },
    },
    async (request) => {
      const challenge = await login.challenge({
        certificate: fromBase64(request.body.certificate),
        cardNumber: request.body.cardNumber,
        cardProfile: request.body.cardProfile,
        client: request.ip,
      });
      return {
        challengeId: challenge.challengeId,
        toBeSigned: toBase64(challenge.toBeSigned),
        expiresAt: challenge.expiresAt.toISOString(),
      };
    },
  );
}

/** POST /v1/login: the card's signature over the challenge opens a session. */
function loginRoute(app: FastifyInstance, context: ServiceContext, login: Login): void {
  app.post<{Body: LoginRequest; Reply: LoginResponse}>(
    '/v1/login',
    {
      schema: {
        tags: ['login'],
        summary: 'Finish a login with the card’s signature of the challenge',
        description:
          'Verifies the signature (RSA PKCS#1 v1.5 or ECDSA, SHA-256) with the certificate’s key; the challenge ' +
          'is used up whether or not it verifies, so a replayed signature is refused. Opens a session bound to ' +
          'the certificate, the person and the card; it expires after the configured minutes. Login works with ' +
          'an earlier certificate and with one this service issued (resume), for a card of any directory status ' +
          '(listing and revoking need no "received" card; the upgrade routes do). Refusals: challenge-unknown, ' +
          'signature-invalid, too-many-attempts, and those of /v1/login/challenge.',
        body: loginRequestSchema,
        response: {200: loginResponseSchema, ...refusals},
      },
    },
    async (request) => {
      const session = await login.login({
        challengeId: request.body.challengeId,
        signature: fromBase64(request.body.signature),
      });
      return {
        token: session.token,
        person: personView(session.person),
        card: cardView(session.card),
        certificateSerial: session.certificateSerial,
        expiresAt: session.expiresAt.toISOString(),
      };
    },
  );
}

/** GET /v1/session: the session of the bearer token. */
function sessionRoute(app: FastifyInstance, context: ServiceContext): void {
  app.get<{Reply: SessionView}>(
    '/v1/session',
    {
      schema: {
        tags: ['login'],
        summary: 'The session: person, card and expiry',
        security: [{bearer: []}],
        response: {200: sessionViewSchema, ...refusals},
      },
    },
    async (request) => {
      const session = await authenticate(context, request.headers.authorization);
      return {
        person: personView(session.person),
        card: cardView(session.card),
        // The login recorded its certificate (login.ts), and records are never deleted.
        certificateSerial: (await findCertificate(context.store, session.certificateId))!.serial,
        expiresAt: session.expiresAt.toISOString(),
      };
    },
  );
}

/** POST /v1/logout: ends the session. */
function logoutRoute(app: FastifyInstance, context: ServiceContext): void {
  app.post(
    '/v1/logout',
    {
      schema: {
        tags: ['login'],
        summary: 'End the session',
        security: [{bearer: []}],
        response: {204: {type: 'null', description: 'The session has ended.'}, ...refusals},
      },
    },
    async (request, reply) => {
      const session = await authenticate(context, request.headers.authorization);
      const now = context.now();
      await context.store.transaction(async (tx) => {
        await endSession(tx, session.id, now);
        await appendAudit(tx, {
          at: now,
          actor: session.person.hsaId,
          cardNumber: session.card.number,
          action: 'logged-out',
          detail: {},
        });
      });
      return reply.code(204).send();
    },
  );
}
