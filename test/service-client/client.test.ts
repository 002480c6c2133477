import {execFileSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {createServer, type Server} from 'node:https';
import type {AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {loginToBeSigned} from '../../source/protocol/session.js';
import {ServiceClient} from '../../source/service-client/client.js';
import {ServiceError} from '../../source/service-client/errors.js';

/** A CA and a server certificate for 127.0.0.1, made with openssl; and a second, unrelated CA. */
function makeCertificates(dir: string) {
  const run = (...args: string[]) => execFileSync('openssl', args, {cwd: dir, stdio: 'pipe'});
  for (const name of ['ca', 'other-ca']) {
    run(
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
    );
  }
  run(
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=127.0.0.1',
  );
  execFileSync('sh', ['-c', 'printf "subjectAltName=IP:127.0.0.1\\n" > ext.cnf'], {cwd: dir});
  run(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '2',
    '-extfile',
    'ext.cnf',
  );
  const read = (name: string) => readFileSync(join(dir, name), 'utf8');
  return {
    ca: read('ca.pem'),
    otherCa: read('other-ca.pem'),
    key: read('server.key'),
    cert: read('server.pem'),
  };
}

type Handler = (
  method: string,
  url: string,
  body: string,
  headers: Record<string, unknown>,
) => [number, unknown] | [number, unknown, Record<string, string>];

describe('ServiceClient', () => {
  let dir: string;
  let certificates: ReturnType<typeof makeCertificates>;
  let server: Server | undefined;
  const requests: {method: string; url: string; body: string; authorization?: string}[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'service-client-'));
    certificates = makeCertificates(dir);
  });
  afterAll(() => rmSync(dir, {recursive: true, force: true}));
  afterEach(async () => {
    requests.length = 0;
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  async function serve(handler: Handler): Promise<string> {
    server = createServer({key: certificates.key, cert: certificates.cert}, (request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        requests.push({
          method: request.method!,
          url: request.url!,
          body,
          authorization: request.headers.authorization,
        });
        const [status, answer, extraHeaders] = handler(request.method!, request.url!, body, request.headers);
        response.writeHead(status, {'content-type': 'application/json', ...extraHeaders});
        response.end(typeof answer === 'string' ? answer : JSON.stringify(answer));
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `https://127.0.0.1:${(server!.address() as AddressInfo).port}`;
  }

  function client(url: string, options: {ca?: string; sleeps?: number[]} = {}) {
    return new ServiceClient({
      url,
      certificateAuthority: options.ca ?? certificates.ca,
      sleep: async (ms) => {
        options.sleeps?.push(ms);
      },
      random: () => 0,
      timeoutMs: 2000,
    });
  }

  const login: Handler = (_method, url) => {
    if (url === '/v1/login/challenge') {
      return [
        200,
        {
          challengeId: 'c'.repeat(20),
          toBeSigned: Buffer.from(loginToBeSigned(new Uint8Array(32).fill(7))).toString('base64'),
          expiresAt: new Date().toISOString(),
        },
      ];
    }
    return [
      200,
      {
        token: 'session-token',
        person: {
          hsaId: 'SE2321000016-1234',
          personnummer: '197001011234',
          givenName: 'Anna',
          surname: 'A',
          name: 'Anna A',
          organisation: 'Region',
        },
        card: {number: '123', status: 'received'},
        certificateSerial: '01',
        expiresAt: new Date().toISOString(),
      },
    ];
  };

  it('logs in with the signature of the challenge and sends the token afterwards', async () => {
    const url = await serve((method, path, body, headers) =>
      path === '/v1/terms'
        ? [200, {version: '2', publishedAt: new Date().toISOString(), text: {sv: 'Villkor', en: 'Terms'}}]
        : login(method, path, body, headers),
    );
    const started = await client(url).beginLogin({
      certificate: Uint8Array.of(1, 2, 3),
      cardNumber: '123',
      cardProfile: 'piv',
    });
    expect(started.toBeSigned).toEqual(loginToBeSigned(new Uint8Array(32).fill(7)));
    const session = await started.finish(Uint8Array.of(9, 9));
    expect(session.identity.person.hsaId).toBe('SE2321000016-1234');
    expect(await session.terms()).toEqual({version: '2', text: {sv: 'Villkor', en: 'Terms'}});
    expect(JSON.parse(requests[0]!.body)).toEqual({
      certificate: 'AQID',
      cardNumber: '123',
      cardProfile: 'piv',
    });
    expect(JSON.parse(requests[1]!.body)).toEqual({challengeId: 'c'.repeat(20), signature: 'CQk='});
    expect(requests[2]!.authorization).toBe('Bearer session-token');
  });

  it('retries an idempotent call with backoff until the service answers', async () => {
    let failures = 2;
    const url = await serve((method, path, body, headers) => {
      if (path === '/v1/plan') {
        if (failures-- > 0) return [503, {error: 'unavailable', message: 'restarting'}];
        return [
          200,
          {
            card: {number: '123', status: 'received'},
            termsVersion: '2',
            isTermsAccepted: false,
            items: [],
            replaces: [],
          },
        ];
      }
      return login(method, path, body, headers);
    });
    const sleeps: number[] = [];
    const session = await (
      await client(url, {sleeps}).beginLogin({
        certificate: Uint8Array.of(1),
        cardNumber: '123',
        cardProfile: 'piv',
      })
    ).finish(Uint8Array.of(1));
    const plan = await session.plan();
    expect(plan.cardNumber).toBe('123');
    expect(sleeps).toEqual([250, 500]);
  });

  it('sends the card profile at login and reads plan slots as key references, refusing any other form', async () => {
    const item = (slot: string) => ({
      id: 'personnummer-authentication',
      identity: 'personnummer',
      purpose: 'authentication',
      keyAlgorithm: 'rsa-2048',
      slot,
      pinPolicy: 'once',
      subject: {commonName: 'Anna A', serialNumber: '191212121212'},
    });
    let slots = ['03', '06', '9a'];
    const url = await serve((method, path, body, headers) =>
      path === '/v1/plan'
        ? [
            200,
            {
              card: {number: '123', status: 'received'},
              termsVersion: '2',
              isTermsAccepted: true,
              items: slots.map(item),
              replaces: [],
            },
          ]
        : login(method, path, body, headers),
    );
    const session = await (
      await client(url).beginLogin({
        certificate: Uint8Array.of(1),
        cardNumber: '123',
        cardProfile: 'siths-eid',
      })
    ).finish(Uint8Array.of(1));
    expect(JSON.parse(requests[0]!.body)).toMatchObject({cardProfile: 'siths-eid'});
    expect((await session.plan()).items.map((entry) => entry.slot)).toEqual([0x03, 0x06, 0x9a]);
    slots = ['9A'];
    await expect(session.plan()).rejects.toMatchObject({code: 'service-answer-malformed'});
  });

  it("declares the card's certificates as base64 and decodes what completion will revoke, retrying a 503", async () => {
    let failures = 1;
    const replaced = {
      serial: '0a',
      identity: 'hsa-id',
      purpose: 'signature',
      origin: 'previous',
      cardNumber: '123',
      status: 'valid',
      installed: true,
      issuer: 'CN=Old CA',
      subject: 'CN=Anna A',
      notBefore: '2024-01-01T00:00:00.000Z',
      notAfter: '2029-01-01T00:00:00.000Z',
      certificate: 'MAMCAQE=',
    };
    const url = await serve((method, path, body, headers) => {
      if (path === '/v1/card/certificates/declaration') {
        if (failures-- > 0) return [503, {error: 'unavailable', message: 'restarting'}];
        return [200, {replaces: [replaced]}];
      }
      return login(method, path, body, headers);
    });
    const session = await (
      await client(url).beginLogin({certificate: Uint8Array.of(1), cardNumber: '123', cardProfile: 'piv'})
    ).finish(Uint8Array.of(1));
    const replaces = await session.declareCertificates([Uint8Array.of(1, 2, 3), Uint8Array.of(4)]);
    const sent = requests.filter((request) => request.url === '/v1/card/certificates/declaration');
    expect(sent).toHaveLength(2);
    expect(sent.map((request) => request.method)).toEqual(['POST', 'POST']);
    expect(JSON.parse(sent[1]!.body)).toEqual({certificates: ['AQID', 'BA==']});
    expect(sent[1]!.authorization).toBe('Bearer session-token');
    expect(replaces).toEqual([
      {
        ...replaced,
        itemId: undefined,
        notBefore: new Date(replaced.notBefore),
        notAfter: new Date(replaced.notAfter),
        certificate: Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x01),
      },
    ]);
  });

  it('never retries a login, which is not idempotent', async () => {
    const url = await serve(() => [503, {error: 'unavailable', message: 'restarting'}]);
    const sleeps: number[] = [];
    await expect(
      client(url, {sleeps}).beginLogin({certificate: Uint8Array.of(1), cardNumber: '1', cardProfile: 'piv'}),
    ).rejects.toMatchObject({
      code: 'service-error',
      status: 503,
    });
    expect(sleeps).toEqual([]);
    expect(requests).toHaveLength(1);
  });

  it('reports a refusal with the service reason and does not retry it', async () => {
    const url = await serve(() => [403, {error: 'card-not-received', message: 'card status is ordered'}]);
    const error = await client(url)
      .beginLogin({certificate: Uint8Array.of(1), cardNumber: '1', cardProfile: 'piv'})
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceError);
    expect(error).toMatchObject({code: 'service-refused', status: 403, reason: 'card-not-received'});
  });

  it('refuses a server whose certificate is not from the configured service CA', async () => {
    const url = await serve(login);
    await expect(
      client(url, {ca: certificates.otherCa}).beginLogin({
        certificate: Uint8Array.of(1),
        cardNumber: '1',
        cardProfile: 'piv',
      }),
    ).rejects.toMatchObject({code: 'service-tls'});
    expect(requests).toHaveLength(0);
  });

  it('reports an unreachable service after the retries of an idempotent call', async () => {
    const url = await serve(login);
    const session = await (
      await client(url).beginLogin({certificate: Uint8Array.of(1), cardNumber: '1', cardProfile: 'piv'})
    ).finish(Uint8Array.of(1));
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    await expect(session.plan()).rejects.toMatchObject({code: 'service-unreachable'});
  });

  it('refuses to have the card sign anything but a login challenge', async () => {
    const url = await serve(() => [
      200,
      {challengeId: 'c'.repeat(20), toBeSigned: Buffer.from('a contract').toString('base64'), expiresAt: ''},
    ]);
    await expect(
      client(url).beginLogin({certificate: Uint8Array.of(1), cardNumber: '1', cardProfile: 'piv'}),
    ).rejects.toMatchObject({
      code: 'service-answer-malformed',
    });
  });

  it('reports an answer that is not JSON as malformed', async () => {
    const url = await serve(() => [200, '<html>proxy</html>']);
    await expect(
      client(url).beginLogin({certificate: Uint8Array.of(1), cardNumber: '1', cardProfile: 'piv'}),
    ).rejects.toMatchObject({
      code: 'service-answer-malformed',
    });
  });

  it("waits the service's Retry-After before trying an idempotent call again, and gives up on one beyond the cap", async () => {
    let answers = 0;
    const url = await serve((method, path, body, headers) => {
      if (path === '/v1/terms') {
        answers++;
        const wait = answers === 1 ? '3' : '60';
        return [
          429,
          {error: 'too-many-requests', message: 'slow down', retryAfterSeconds: Number(wait)},
          {'retry-after': wait},
        ];
      }
      return login(method, path, body, headers);
    });
    const sleeps: number[] = [];
    const session = await (
      await client(url, {sleeps}).beginLogin({
        certificate: Uint8Array.of(1),
        cardNumber: '1',
        cardProfile: 'piv',
      })
    ).finish(Uint8Array.of(1));
    await expect(session.terms()).rejects.toMatchObject({code: 'service-refused', status: 429});
    expect(sleeps).toEqual([3000]);
    expect(answers).toBe(2);
  });
});
