import {request} from 'node:https';
import {connect} from 'node:tls';

/** One HTTPS answer: status, headers and body (raw bytes and, when JSON, parsed). */
export interface HttpsAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly raw: Buffer;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read answers loosely
  readonly body: any;
}

/**
 * A plain node:https client for the tests, pinned to the service CA (the service client with got is tested on
 * its own). `body` is sent as given when it is a string or Buffer (malformed input), else as JSON.
 */
export function httpsClient(baseUrl: string, caCertificate: Uint8Array) {
  const ca = `-----BEGIN CERTIFICATE-----\n${Buffer.from(caCertificate).toString('base64')}\n-----END CERTIFICATE-----\n`;
  return (
    method: string,
    path: string,
    options: {body?: unknown; token?: string; headers?: Record<string, string>} = {},
  ): Promise<HttpsAnswer> =>
    new Promise((resolve, reject) => {
      const payload =
        options.body === undefined
          ? undefined
          : typeof options.body === 'string' || Buffer.isBuffer(options.body)
            ? options.body
            : JSON.stringify(options.body);
      const headers: Record<string, string> = {
        ...(payload !== undefined && {'content-type': 'application/json'}),
        ...(options.token !== undefined && {authorization: `Bearer ${options.token}`}),
        ...options.headers,
      };
      const outgoing = request(
        new URL(path, baseUrl),
        {method, headers, ca, rejectUnauthorized: true},
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('error', reject);
          incoming.on('end', () => {
            const raw = Buffer.concat(chunks);
            const isJson = String(incoming.headers['content-type'] ?? '').startsWith('application/json');
            resolve({
              status: incoming.statusCode ?? 0,
              headers: incoming.headers,
              raw,
              body: isJson && raw.length > 0 ? JSON.parse(raw.toString('utf8')) : undefined,
            });
          });
        },
      );
      outgoing.on('error', reject);
      outgoing.end(payload);
    });
}

/**
 * Sends `bytes` as they are over TLS (pinned to the service CA) and resolves with the status, headers and body
 * of the answer: for requests no HTTP client would send (unknown methods, oversized headers, bad framing).
 */
export function rawHttps(
  baseUrl: string,
  caCertificate: Uint8Array,
  bytes: string,
): Promise<{status: number; headers: Record<string, string>; body: string}> {
  const {hostname, port} = new URL(baseUrl);
  const ca = `-----BEGIN CERTIFICATE-----\n${Buffer.from(caCertificate).toString('base64')}\n-----END CERTIFICATE-----\n`;
  return new Promise((resolve, reject) => {
    const socket = connect({host: hostname, port: Number(port), ca, servername: hostname}, () => {
      socket.end(bytes);
    });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    const finish = () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const [statusLine = '', ...headerLines] = head.split('\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1]);
      if (!Number.isInteger(status)) return reject(new Error(`no HTTP answer: ${JSON.stringify(text)}`));
      const headers = Object.fromEntries(
        headerLines.map((line) => {
          const colon = line.indexOf(':');
          return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
        }),
      );
      resolve({status, headers, body: rest.join('\r\n\r\n')});
    };
    // The service may close the connection as soon as it has answered (a reset after the answer is fine).
    socket.on('error', () => finish());
    socket.on('close', finish);
  });
}
