import {STATUS_CODES} from 'node:http';
import type {Socket} from 'node:net';
import type {Writable} from 'node:stream';
import swagger from '@fastify/swagger';
import Fastify, {type FastifyError, type FastifyInstance, type FastifyReply} from 'fastify';
import {deriveManagementKey} from '../pki/management-key.js';
import type {ErrorBody} from '../protocol/common.js';
import type {ServiceContext} from './context.js';
import {REFUSAL_STATUS, RefusalError, type RefusalCode} from './errors.js';
import {Login} from './login.js';
import {ManagementKeyRelay} from './management-key-relay.js';
import {registerCertificateRoutes} from './routes/certificates.js';
import {registerLoginRoutes} from './routes/login.js';
import {registerOperationsRoutes} from './routes/operations.js';
import {registerPublicationRoutes} from './routes/publication.js';
import {registerUpgradeRoutes} from './routes/upgrade.js';
import {countRefusal} from './store/refusal-counts.js';

/** The OpenAPI document's fixed parts (the paths come from the route schemas). */
const OPENAPI_INFO = {
  title: 'siths-upgrade reference upgrade service',
  version: '1',
  description:
    'Versioned JSON API (/v1) for upgrading SITHS-like smart-card certificates. Every input is validated by the ' +
    'schemas below (unknown properties and wrong types are refused with 400 body-invalid). Every non-2xx answer ' +
    'is {error, message}: `error` is a stable reason code. A refused request writes nothing. Binary values are ' +
    'standard base64. Authenticated routes take `Authorization: Bearer <token>` from POST /v1/login; every one ' +
    'checks that the certificate the session logged in with is still valid and not revoked, and otherwise ends ' +
    'the session (401 session-certificate-revoked or session-certificate-expired) and does nothing else.',
};

/**
 * Builds the Fastify app of the service (not yet listening): strict JSON-schema validation of every input
 * (ajv without coercion, defaults or removal of unknown properties), the body limit, uniform error bodies, the
 * OpenAPI document at /v1/openapi.json, and every route. `https` holds the server's TLS key and chain. With `log`,
 * each request is logged there as JSON lines (fastify's logger: method, URL, status, time, and the refusal code;
 * never headers or bodies, so no token, PIN or key); each refusal is counted per day and code in the store.
 */
export async function buildApp(
  context: ServiceContext,
  https: {key: string; cert: string},
  log?: Writable,
): Promise<FastifyInstance> {
  const app = Fastify({
    https,
    bodyLimit: context.settings.limits.bodyBytes,
    logger: log === undefined ? false : {level: 'info', stream: log},
    return503OnClosing: true,
    clientErrorHandler: answerClientError,
    frameworkErrors: (error, _request, reply) => {
      const {status, body} = frameworkErrorAnswer(error);
      void (reply as FastifyReply).code(status).send(body);
    },
    ajv: {customOptions: {removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false}},
  }) as unknown as FastifyInstance;

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: OPENAPI_INFO,
      components: {securitySchemes: {bearer: {type: 'http', scheme: 'bearer'}}},
    },
  });

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    const {status, body} = errorAnswer(error);
    if (status >= 500 && body.error === 'internal') request.log.error({err: error}, 'failed');
    else request.log.info({refusal: body.error}, 'refused');
    if (body.error !== 'not-ready') void countRefusalQuietly(context, body.error);
    if (body.retryAfterSeconds !== undefined)
      void reply.header('retry-after', String(body.retryAfterSeconds));
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler(async (request, reply) => {
    void countRefusalQuietly(context, 'route-not-found');
    return reply
      .code(404)
      .send({error: 'route-not-found', message: `no route ${request.method} ${request.url}`});
  });

  registerLoginRoutes(app, context, new Login(context));
  registerUpgradeRoutes(
    app,
    context,
    new ManagementKeyRelay(context.store, keyForCard(context), context.now),
  );
  registerCertificateRoutes(app, context);
  registerPublicationRoutes(app, context);
  registerOperationsRoutes(app, context);

  app.get('/v1/openapi.json', {schema: {hide: true}}, async () => app.swagger());
  return app;
}

/**
 * Counts a refusal for the campaign report, beside the answer rather than before it: the answer does not wait for
 * the store (a client that half-closes its socket gets it at once), and a store that cannot count does not change
 * it.
 */
async function countRefusalQuietly(context: ServiceContext, code: string): Promise<void> {
  try {
    await countRefusal(context.store, code, context.now());
  } catch {
    // The answer already says what went wrong; /v1/ready tells whether the store answers.
  }
}

/** The per-card management key: a fixed one IT registered, else derived from the master secret. */
function keyForCard(context: ServiceContext): (cardNumber: string) => Uint8Array {
  const {fixed, masterSecret} = context.settings.managementKeys;
  return (cardNumber) =>
    new Uint8Array(fixed.get(cardNumber) ?? deriveManagementKey(masterSecret, cardNumber));
}

/** A refusal's status and body by its code. */
function refusal(code: RefusalCode, message: string): {status: number; body: ErrorBody} {
  return {status: REFUSAL_STATUS[code], body: {error: code, message}};
}

/**
 * Answers HTTP that node's parser refuses before any route sees it (headers too large, a method it does not
 * know, a malformed request line or framing, a timeout) in the service's error body, then closes the socket.
 */
function answerClientError(error: Error & {code?: string}, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const {status, body} =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? refusal('request-header-too-large', 'the request headers are too large')
      : error.code === 'HPE_INVALID_METHOD'
        ? refusal('method-unknown', 'the service knows no such HTTP method')
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? refusal('request-timeout', 'the request did not arrive in time')
          : refusal('http-malformed', 'the request is not well-formed HTTP/1.1');
  const json = JSON.stringify(body);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`,
    );
  }
  socket.destroy(error);
}

/** The URL errors Fastify's router meets before a route: a bad percent-encoding, a parameter too long. */
function frameworkErrorAnswer(error: FastifyError): {status: number; body: ErrorBody} {
  if (error.code === 'FST_ERR_BAD_URL') return refusal('url-malformed', 'the URL is not validly encoded');
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH')
    return refusal('url-too-long', 'a part of the URL is too long');
  return errorAnswer(error);
}

/** Maps any error to the status and body the client sees; internal failures never show their details. */
function errorAnswer(error: FastifyError): {status: number; body: ErrorBody} {
  if (error instanceof RefusalError) {
    return {
      status: error.status,
      body: {
        error: error.code,
        message: error.message,
        ...(error.retryAfterSeconds !== undefined && {retryAfterSeconds: error.retryAfterSeconds}),
      },
    };
  }
  if (error.validation) {
    return {
      status: 400,
      body: {error: 'body-invalid', message: `${error.validationContext ?? 'input'} ${error.message}`},
    };
  }
  const status = error.statusCode ?? 500;
  if (status === 413)
    return {status, body: {error: 'body-too-large', message: 'the request body is too large'}};
  if (status === 415)
    return {status, body: {error: 'media-type-unsupported', message: 'send application/json'}};
  if (status >= 400 && status < 500) return {status, body: {error: 'body-malformed', message: error.message}};
  return {status: 500, body: {error: 'internal', message: 'the service failed; try again later'}};
}
