import {Type, type Static, type TSchema} from 'typebox';
import {Value} from 'typebox/value';
import {
  CARD_STATUSES,
  IDENTITIES,
  KEY_ALGORITHMS,
  PIN_POLICIES,
  PURPOSES,
  stringEnum,
} from '../protocol/common.js';
import {ServiceSetupError} from './errors.js';

/**
 * The shape of the service's files as JSON: the config file (`configFileSchema`), the directory and the terms,
 * with their TypeScript types derived from the schemas. `checkShape` checks a parsed file against one and names
 * the JSON path of the first thing wrong; the checks between values (authority ids, slots of a profile, unique
 * HSA-ids) are in source/service/config.ts. Paths in the files are relative to the config file.
 */

const text = (pattern?: string) => Type.String({minLength: 1, ...(pattern !== undefined && {pattern})});
const integer = (minimum: number, maximum: number) => Type.Integer({minimum, maximum});

const planItemSchema = Type.Object({
  identity: stringEnum(IDENTITIES),
  purpose: stringEnum(PURPOSES),
  keyAlgorithm: stringEnum(KEY_ALGORITHMS),
  slot: text('^[0-9a-f]{2}$'),
  pinPolicy: stringEnum(PIN_POLICIES),
});
export type PlanItemEntry = Static<typeof planItemSchema>;

export const configFileSchema = Type.Object({
  listen: Type.Object({host: text(), port: integer(0, 65535)}),
  /** Base URL in certificates (CRL distribution point, AIA); default https://{listen.host}:{actual port}. */
  publicUrl: Type.Optional(text('^https?://[^/]+$')),
  /** PEM files: the server certificate then its intermediates, its key, the CA clients pin. */
  tls: Type.Object({certificate: text(), privateKey: text(), caCertificate: text()}),
  /**
   * The store: a SQLite file (one instance owns it), ':memory:', or a postgresql:// URL (any number of instances;
   * a Unix socket as ?host=/dir). Never with a password in it: see storePasswordFile.
   */
  store: text(),
  /** A file holding the PostgreSQL password; else node-postgres looks in PGPASSWORD and ~/.pgpass. */
  storePasswordFile: Type.Optional(text()),
  directory: text(),
  terms: text(),
  authorities: Type.Array(
    Type.Object({id: text('^[a-z0-9-]{1,32}$'), certificate: text(), privateKey: Type.Optional(text())}),
  ),
  root: text(),
  loginTrustAnchors: Type.Array(Type.String(), {minItems: 1}),
  issuers: Type.Object({'hsa-id': text(), personnummer: text()}),
  /** Keyed by card profile; a key that is not a profile is refused in config.ts, with its name. */
  plans: Type.Optional(Type.Record(Type.String(), Type.Array(planItemSchema))),
  /** The one-profile plan of earlier configs: refused, with the way to "plans". */
  plan: Type.Optional(Type.Unknown()),
  certificateValidityDays: Type.Optional(integer(1, 3650)),
  crlValidityDays: Type.Optional(integer(1, 90)),
  sessionMinutes: Type.Optional(integer(1, 24 * 60)),
  /**
   * PIV key attestation: the card makers' attestation roots (PEM files; a privateKey only in the demo setup, for
   * its virtual cards) and whether a PIV request must carry the proof (default true).
   */
  attestation: Type.Optional(
    Type.Object({
      roots: Type.Array(Type.Object({certificate: text(), privateKey: Type.Optional(text())})),
      isRequired: Type.Optional(Type.Boolean()),
    }),
  ),
  /** Files of hex: the master secret, and fixed keys by card number. */
  managementKeys: Type.Object({
    masterSecret: text(),
    fixed: Type.Optional(Type.Record(Type.String(), text())),
  }),
  limits: Type.Optional(
    Type.Object({
      bodyBytes: Type.Optional(integer(1024, 1024 * 1024)),
      loginChallengesPerMinute: Type.Optional(integer(1, 10_000)),
      loginChallengesPerAddressPerMinute: Type.Optional(integer(1, 100_000)),
      loginFailuresPerCertificate: Type.Optional(integer(1, 1000)),
      loginFailureWindowMinutes: Type.Optional(integer(1, 24 * 60)),
    }),
  ),
});
export type ConfigFile = Static<typeof configFileSchema>;

export const directoryFileSchema = Type.Object({
  persons: Type.Array(
    Type.Object({
      hsaId: text(),
      personnummer: text(),
      givenName: text(),
      surname: text(),
      organisation: text(),
      cards: Type.Array(
        Type.Object({number: text('^[0-9A-Za-z-]{1,40}$'), status: stringEnum(CARD_STATUSES)}),
      ),
    }),
  ),
});

export const termsFileSchema = Type.Object({
  versions: Type.Array(
    Type.Object({version: text('^[0-9A-Za-z.-]{1,64}$'), publishedAt: text(), sv: text(), en: text()}),
  ),
});

/**
 * `json` as the type of `schema`, or ServiceSetupError 'config-invalid' naming the JSON path of the first thing
 * wrong, from `source` (the file's path) on: `config.json.plans.piv[0].slot: does not match ^[0-9a-f]{2}$`.
 */
export function checkShape<Schema extends TSchema>(
  schema: Schema,
  json: unknown,
  source: string,
): Static<Schema> {
  const [error] = Value.Errors(schema, json);
  if (error === undefined) return json as Static<Schema>;
  let path = pathOf(json, error.instancePath);
  let failing = schemaAt(schema, error.schemaPath);
  if (error.keyword === 'required') {
    const [key = ''] = (error.params as {requiredProperties?: string[]}).requiredProperties ?? [];
    path += `.${key}`;
    failing = (failing as {properties: Record<string, TSchema>}).properties[key]!;
  } else if (error.schemaPath.endsWith('/items') && !isObject(failing)) {
    // A wrong element of an array of plain values: the array is what is wrong.
    path = path.replace(/\[\d+\]$/, '');
    failing = schemaAt(schema, error.schemaPath.slice(0, -'/items'.length));
  }
  throw new ServiceSetupError('config-invalid', `${source}${path}: ${problemOf(failing, error.keyword)}`);
}

/** `/plans/piv/0/slot` in `json` as `.plans.piv[0].slot` (an index in brackets, a key after a dot). */
function pathOf(json: unknown, instancePath: string): string {
  let value = json;
  let path = '';
  for (const segment of instancePath.split('/').slice(1)) {
    const key = segment.replaceAll('~1', '/').replaceAll('~0', '~');
    path += Array.isArray(value) ? `[${key}]` : `.${key}`;
    value = (value as Record<string, unknown>)[key];
  }
  return path;
}

/** The schema a JSON pointer such as `#/properties/plans/patternProperties/^.*$` names in `root`. */
function schemaAt(root: TSchema, pointer: string): TSchema {
  let schema: unknown = root;
  for (const segment of pointer.split('/').slice(1)) {
    schema = (schema as Record<string, unknown>)[segment.replaceAll('~1', '/').replaceAll('~0', '~')];
  }
  return schema as TSchema;
}

function isObject(schema: TSchema): boolean {
  return (schema as {type?: unknown}).type === 'object';
}

/** What `schema` expects, in the words the config's messages have always used. */
function problemOf(schema: TSchema, keyword: string): string {
  const {type, pattern, minimum, maximum, minItems} = schema as Record<string, unknown>;
  const allowed = (schema as {enum?: unknown[]}).enum;
  if (allowed !== undefined) return `expected one of ${allowed.join(', ')}`;
  if (type === 'string' && keyword === 'pattern') return `does not match ${String(pattern)}`;
  if (type === 'string') return 'expected a non-empty string';
  if (type === 'integer') return `expected an integer from ${String(minimum)} to ${String(maximum)}`;
  if (type === 'array' && minItems === 1) return 'expected a non-empty array of strings';
  if (type === 'array') return 'expected an array';
  return 'expected an object';
}
