import {fileURLToPath} from 'node:url';
import {format, resolveConfig} from 'prettier';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {
  createDemoFixture,
  demoPerson,
  expectRefusedWithoutWriting,
  logIn,
  StandInCard,
  startTestService,
  type DemoFixture,
} from './service-harness.js';
import {rawHttps} from './https-client.js';

describe('buildApp', () => {
  let fixture: DemoFixture;
  let harness: Awaited<ReturnType<typeof startTestService>>;
  beforeAll(async () => {
    fixture = await createDemoFixture();
    harness = await startTestService(fixture);
  });
  afterAll(async () => {
    await harness?.close();
    await fixture?.cleanup();
  });

  it('refuses malformed JSON with 400 and writes nothing', async () => {
    await expectRefusedWithoutWriting(
      harness.storeLocation,
      () => harness.call('POST', '/v1/login/challenge', {body: '{"certificate": "AAAA", '}),
      {status: 400, error: 'body-malformed'},
    );
  });

  it('refuses a body over the limit with 413 and writes nothing', async () => {
    const huge = JSON.stringify({
      certificate: 'A'.repeat(fixture.settings.limits.bodyBytes),
      cardNumber: '1',
    });
    await expectRefusedWithoutWriting(
      harness.storeLocation,
      () => harness.call('POST', '/v1/login/challenge', {body: huge}),
      {
        status: 413,
        error: 'body-too-large',
      },
    );
  });

  it.each([
    ['a number for a string', {certificate: 'AAAA', cardNumber: 975227}],
    ['a missing property', {certificate: 'AAAA'}],
    ['no card profile', {certificate: 'AAAA', cardNumber: '1'}],
    ['an unknown card profile', {certificate: 'AAAA', cardNumber: '1', cardProfile: 'pkcs15'}],
    ['an unknown property', {certificate: 'AAAA', cardNumber: '1', subject: 'CN=Someone Else'}],
    ['text that is not base64', {certificate: 'not base64!', cardNumber: '1'}],
    ['an array for the body', [{certificate: 'AAAA', cardNumber: '1'}]],
  ])('refuses %s with 400 body-invalid and writes nothing', async (_, body) => {
    await expectRefusedWithoutWriting(
      harness.storeLocation,
      () => harness.call('POST', '/v1/login/challenge', {body}),
      {
        status: 400,
        error: 'body-invalid',
      },
    );
  });

  it('refuses wrong types in an authenticated request without writing', async () => {
    const token = await logIn(harness.call, await StandInCard.create(fixture, demoPerson('Anna')));
    await expectRefusedWithoutWriting(
      harness.storeLocation,
      () => harness.call('POST', '/v1/completion', {token, body: {installed: 'all of them'}}),
      {status: 400, error: 'body-invalid'},
    );
    await expectRefusedWithoutWriting(
      harness.storeLocation,
      () => harness.call('POST', '/v1/certificates/XYZ/revocation', {token, body: {reason: 'unspecified'}}),
      {status: 400, error: 'body-invalid'},
    );
  });

  it('refuses a media type other than JSON with 415', async () => {
    await expectRefusedWithoutWriting(
      harness.storeLocation,
      () =>
        harness.call('POST', '/v1/login/challenge', {
          body: '<login/>',
          headers: {'content-type': 'application/xml'},
        }),
      {status: 415, error: 'media-type-unsupported'},
    );
  });

  it('answers an unknown route with 404 route-not-found', async () => {
    const answer = await harness.call('GET', '/v2/plan');
    expect(answer.status).toBe(404);
    expect(answer.body.error).toBe('route-not-found');
  });

  const request = (line: string, headers: string[] = [], body = '') =>
    [line, 'Host: localhost', ...headers, `Content-Length: ${Buffer.byteLength(body)}`, '', body].join(
      '\r\n',
    );
  it.each([
    [
      'request headers too large',
      request('GET /v1/terms HTTP/1.1', [`X-Big: ${'a'.repeat(20_000)}`]),
      431,
      'request-header-too-large',
    ],
    ['a method HTTP does not know', request('FROB /v1/terms HTTP/1.1'), 501, 'method-unknown'],
    ['a method the route does not take', request('DELETE /v1/terms HTTP/1.1'), 404, 'route-not-found'],
    ['an unknown route', request('GET /v2/plan HTTP/1.1'), 404, 'route-not-found'],
    [
      'a header line that is not HTTP',
      request('GET /v1/terms HTTP/1.1', ['not a header']),
      400,
      'http-malformed',
    ],
    [
      'both Content-Length and chunked',
      request(
        'POST /v1/login HTTP/1.1',
        ['Content-Type: application/json', 'Transfer-Encoding: chunked'],
        '{}',
      ),
      400,
      'http-malformed',
    ],
    ['a bad percent-encoding in the URL', request('GET /v1/crl/%zz HTTP/1.1'), 400, 'url-malformed'],
    ['a URL parameter too long', request(`GET /v1/crl/${'a'.repeat(300)}.crl HTTP/1.1`), 414, 'url-too-long'],
    [
      'bad JSON',
      request('POST /v1/login HTTP/1.1', ['Content-Type: application/json'], '{"a": '),
      400,
      'body-malformed',
    ],
    [
      'an empty JSON body',
      request('POST /v1/login HTTP/1.1', ['Content-Type: application/json']),
      400,
      'body-malformed',
    ],
    [
      'a body over the limit',
      request(
        'POST /v1/login HTTP/1.1',
        ['Content-Type: application/json'],
        JSON.stringify({a: 'A'.repeat(70_000)}),
      ),
      413,
      'body-too-large',
    ],
    [
      'another media type',
      request('POST /v1/login HTTP/1.1', ['Content-Type: application/xml'], '<login/>'),
      415,
      'media-type-unsupported',
    ],
  ])(
    'answers %s in the one error shape: {error, message} with a stable code',
    async (_, bytes, status, error) => {
      const answer = await rawHttps(harness.service.url, harness.service.caCertificate, bytes);
      expect(answer.status).toBe(status);
      expect(answer.headers['content-type']).toMatch(/^application\/json/);
      const body = JSON.parse(answer.body) as Record<string, unknown>;
      expect(Object.keys(body).sort()).toEqual(['error', 'message']);
      expect(body.error).toBe(error);
      expect(body.message).toEqual(expect.any(String));
    },
  );

  it('serves the OpenAPI document that is checked in as openapi/v1.json', async () => {
    const answer = await harness.call('GET', '/v1/openapi.json');
    expect(answer.status).toBe(200);
    const checkedIn = new URL('../../openapi/v1.json', import.meta.url);
    const options = await resolveConfig(fileURLToPath(checkedIn));
    const served = await format(JSON.stringify(answer.body), {...options, parser: 'json'});
    // To update after an API change: npx vitest run test/service/app.test.ts -u
    await expect(served).toMatchFileSnapshot('../../openapi/v1.json');
  });
});
