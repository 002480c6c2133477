import {request} from 'node:https';

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
