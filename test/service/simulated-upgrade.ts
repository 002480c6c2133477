/**
 * Many clients doing the service side of a PIV upgrade at once, for the multi-instance test
 * (test/service/instances.test.ts) and the load bench (bench/service-load.ts): node:crypto stands in for the
 * cards, and everything a card would compute is made beforehand, so that a run costs the client little more than
 * HTTPS.
 */
import type {KeyObject} from 'node:crypto';
import {verifyCrl} from '../../source/pki/crl.js';
import {isPersonnummer} from '../../source/pki/identity.js';
import type {DirectoryPerson} from '../../source/service/config.js';
import {planItemId} from '../../source/service/plan.js';
import {openStore} from '../../source/service/store/open-store.js';
import type {HttpsAnswer} from './https-client.js';
import {
  base64,
  certificateRequest,
  generateCardKey,
  pivIssuanceBody,
  StandInCard,
  type DemoFixture,
} from './service-harness.js';

/** `count` persons of one organisation, each with one card of status "received": a directory for many clients. */
export function staffDirectory(count: number): DirectoryPerson[] {
  return Array.from({length: count}, (_, index) => ({
    hsaId: `SE2321000016-L${index}`,
    personnummer: personnummerOf(index),
    givenName: 'Person',
    surname: `Nummer ${index}`,
    organisation: 'Region Demo',
    cards: [{number: `9752271${String(index).padStart(7, '0')}`, status: 'received' as const}],
  }));
}

/** A distinct valid personnummer for each index: a day from 1980-01-01 on, a birth number, the Luhn digit. */
function personnummerOf(index: number): string {
  const birth = new Date(Date.UTC(1980, 0, 1 + Math.floor(index / 1000)));
  const date = birth.toISOString().slice(0, 10).replaceAll('-', '');
  const stem = `${date}${String(index % 1000).padStart(3, '0')}`;
  const candidates = Array.from({length: 10}, (_, digit) => `${stem}${digit}`);
  return candidates.find((candidate) => isPersonnummer(candidate))!;
}

/** One plan item's issuance request, ready to send, and the new key it is for. */
interface PreparedItem {
  readonly itemId: string;
  readonly key: KeyObject;
  readonly body: Awaited<ReturnType<typeof pivIssuanceBody>>;
}

/** A card with its old login credential, and the issuance request of each item of the PIV plan, in plan order. */
export interface PreparedUpgrade {
  readonly card: StandInCard;
  readonly items: readonly PreparedItem[];
}

/** Makes the card of `person` and every request its upgrade will send: new keys, PKCS#10 requests, attestations. */
export async function prepareUpgrade(
  fixture: DemoFixture,
  person: DirectoryPerson,
): Promise<PreparedUpgrade> {
  const card = await StandInCard.create(fixture, person);
  const items: PreparedItem[] = [];
  for (const item of fixture.settings.plans.piv) {
    const itemId = planItemId(item);
    const key = generateCardKey(item.keyAlgorithm);
    items.push({itemId, key, body: await pivIssuanceBody(fixture, itemId, await certificateRequest(key))});
  }
  return {card, items};
}

/** One HTTPS request to the service, as httpsClient (test/service/https-client.ts) sends it. */
export type Call = (
  method: string,
  path: string,
  options?: {body?: unknown; token?: string},
) => Promise<HttpsAnswer>;

/** What a bench measures a request as. */
export type RequestKind = 'challenge' | 'login' | 'terms' | 'plan' | 'issue' | 'complete';

/** Told the time of each request of an upgrade, retries included. */
export type OnTimed = (kind: RequestKind, ms: number) => void;

/** Whether an attempt is worth sending again: the connection failed, or the service answered 5xx. */
export function isRetried(outcome: HttpsAnswer | Error): boolean {
  return outcome instanceof Error || outcome.status >= 500;
}

/**
 * `call` sending a request again, up to `attempts` in all with a growing pause, while isRetried. The service's
 * changes are idempotent (issuance per key, terms, completion) or single-use and refused when repeated (a login
 * challenge): the upgrade below handles those refusals.
 */
export function withRetries(call: Call, attempts = 8, pauseMs = 100): Call {
  return async (method, path, options) => {
    for (let attempt = 1; ; attempt++) {
      const outcome = await call(method, path, options).catch((error: Error) => error);
      if (!isRetried(outcome) || attempt >= attempts) {
        if (outcome instanceof Error) throw outcome;
        return outcome;
      }
      await new Promise((resolve) => setTimeout(resolve, pauseMs * attempt));
    }
  };
}

/** A call that sends each request to the next of `calls` in turn (several instances, no balancer). */
export function roundRobin(calls: readonly Call[]): Call {
  let next = 0;
  return (method, path, options) => calls[next++ % calls.length]!(method, path, options);
}

type Send = (
  kind: RequestKind,
  method: string,
  path: string,
  options?: {body?: unknown; token?: string},
) => Promise<HttpsAnswer>;

function timedSend(call: Call, onTimed: OnTimed): Send {
  return async (kind, method, path, options) => {
    const started = performance.now();
    const answer = await call(method, path, options);
    onTimed(kind, performance.now() - started);
    return answer;
  };
}

/** `answer` when its status is one of `statuses`; else an error naming the request and the refusal. */
function expectStatus(answer: HttpsAnswer, what: string, ...statuses: number[]): HttpsAnswer {
  if (!statuses.includes(answer.status)) {
    throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
  }
  return answer;
}

/** A login credential of a card: its certificate and the key the card signs with. */
export interface Credential {
  readonly certificate: Uint8Array;
  readonly key: KeyObject;
}

/**
 * Logs `card` in with `credential` (default its old authentication credential) and returns the token. A login
 * whose answer was lost used its challenge up; the next attempt is refused 'challenge-unknown', and a fresh
 * challenge is asked for.
 */
export async function logInWith(
  call: Call,
  card: StandInCard,
  credential: Credential = {certificate: card.authenticationCertificate, key: card.authenticationKey},
  onTimed: OnTimed = () => undefined,
): Promise<string> {
  const send = timedSend(call, onTimed);
  for (let attempt = 1; ; attempt++) {
    const challenge = expectStatus(
      await send('challenge', 'POST', '/v1/login/challenge', {
        body: {certificate: base64(credential.certificate), cardNumber: card.cardNumber, cardProfile: 'piv'},
      }),
      'login challenge',
      200,
    );
    const toBeSigned = Buffer.from(challenge.body.toBeSigned as string, 'base64');
    const login = await send('login', 'POST', '/v1/login', {
      body: {
        challengeId: challenge.body.challengeId,
        signature: base64(card.signLogin(toBeSigned, credential.key)),
      },
    });
    if (login.status === 401 && login.body?.error === 'challenge-unknown' && attempt < 3) continue;
    return expectStatus(login, 'login', 200).body.token as string;
  }
}

/** An upgrade with every plan item issued: the session, the serials to report installed, the new login. */
export interface IssuedUpgrade {
  readonly token: string;
  readonly serials: readonly string[];
  /** The new authentication certificate of the first such plan item, with its key. */
  readonly newLogin: Credential;
}

/** Logs in, accepts the current terms, reads the plan and has each of its items issued. */
export async function issueUpgrade(
  call: Call,
  prepared: PreparedUpgrade,
  onTimed: OnTimed = () => undefined,
): Promise<IssuedUpgrade> {
  const send = timedSend(call, onTimed);
  const token = await logInWith(call, prepared.card, undefined, onTimed);
  const terms = expectStatus(await send('terms', 'GET', '/v1/terms'), 'terms', 200);
  const version = terms.body.version as string;
  expectStatus(
    await send('terms', 'POST', '/v1/terms/acceptance', {token, body: {version}}),
    'acceptance',
    200,
  );
  const plan = expectStatus(await send('plan', 'GET', '/v1/plan', {token}), 'plan', 200);
  const planned = (plan.body.items as {id: string}[]).map((item) => item.id);
  if (planned.join() !== prepared.items.map((item) => item.itemId).join()) {
    throw new Error(`plan: ${planned.join()} is not the plan the requests were made for`);
  }
  const serials: string[] = [];
  let newLogin: Credential | undefined;
  for (const item of prepared.items) {
    const answer = expectStatus(
      await send('issue', 'POST', '/v1/certificates', {token, body: item.body}),
      `issuance of ${item.itemId}`,
      200,
      201,
    );
    serials.push(answer.body.certificate.serial as string);
    if (newLogin === undefined && item.itemId.endsWith('-authentication')) {
      newLogin = {
        certificate: Buffer.from(answer.body.certificate.certificate as string, 'base64'),
        key: item.key,
      };
    }
  }
  return {token, serials, newLogin: newLogin!};
}

/**
 * Reports the issued certificates installed and returns the serials the service says are. A completion that
 * committed but whose answer was lost revoked the certificate the session logged in with, which ended the
 * session: the retry is refused 'session-certificate-revoked', and the client logs in with its new authentication
 * certificate and completes again, as a resumed run does.
 */
export async function completeIssued(
  call: Call,
  prepared: PreparedUpgrade,
  issued: IssuedUpgrade,
  onTimed: OnTimed = () => undefined,
): Promise<string[]> {
  const send = timedSend(call, onTimed);
  const body = {installed: issued.serials};
  let answer = await send('complete', 'POST', '/v1/completion', {token: issued.token, body});
  if (answer.status === 401 && answer.body?.error === 'session-certificate-revoked') {
    const token = await logInWith(call, prepared.card, issued.newLogin, onTimed);
    answer = await send('complete', 'POST', '/v1/completion', {token, body});
  }
  const installed = expectStatus(answer, 'completion', 200).body.installed as {serial: string}[];
  return installed.map((entry) => entry.serial);
}

/** The whole service side of one upgrade; returns the serials the completion recorded installed. */
export async function runUpgrade(
  call: Call,
  prepared: PreparedUpgrade,
  onTimed: OnTimed = () => undefined,
): Promise<string[]> {
  return completeIssued(call, prepared, await issueUpgrade(call, prepared, onTimed), onTimed);
}

/** What the store says of the upgrades: the invariants many clients on many instances must keep. */
export interface UpgradeLedger {
  /** Public keys in more than one certificate the service issued: 0 unless an issuance ran twice. */
  readonly keysIssuedTwice: number;
  /** Completion records per card number. */
  readonly completionsPerCard: ReadonlyMap<string, number>;
  /** The cards' earlier certificates (origin 'previous'): how many, and the serials of the revoked ones. */
  readonly previous: number;
  readonly revokedPreviousSerials: readonly string[];
}

/** Reads the ledger from the store at `location` (SQLite path or postgresql:// URL). */
export async function readUpgradeLedger(location: string): Promise<UpgradeLedger> {
  const store = await openStore(location);
  try {
    const twice = await store.all(
      `SELECT public_key_hash FROM certificates WHERE origin = 'service'
       GROUP BY public_key_hash HAVING COUNT(*) > 1`,
    );
    const completions = await store.all<{card_number: string; count: number}>(
      'SELECT card_number, CAST(COUNT(*) AS INTEGER) AS count FROM completions GROUP BY card_number',
    );
    const previous = await store.all<{serial: string; revoked_at: string | null}>(
      "SELECT serial, revoked_at FROM certificates WHERE origin = 'previous'",
    );
    return {
      keysIssuedTwice: twice.length,
      completionsPerCard: new Map(completions.map((row) => [row.card_number, Number(row.count)])),
      previous: previous.length,
      revokedPreviousSerials: previous.filter((row) => row.revoked_at !== null).map((row) => row.serial),
    };
  } finally {
    await store.close();
  }
}

/**
 * The serials on the CRL the service publishes for `authority` (GET /v1/crl/<authority>.crl), its signature
 * checked against the fixture's certificate of that authority; as {@link serialNumber} gives them.
 */
export async function crlSerials(call: Call, fixture: DemoFixture, authority: string): Promise<Set<string>> {
  const answer = expectStatus(await call('GET', `/v1/crl/${authority}.crl`), 'CRL', 200);
  const issuer = fixture.settings.authorities.find((candidate) => candidate.id === authority)!;
  const {revoked} = verifyCrl(answer.raw, issuer.certificate);
  return new Set(revoked.map((entry) => serialNumber(entry.serialNumber)));
}

/** A hex serial as a number, so that spellings with and without leading zeros compare equal. */
export function serialNumber(hex: string): string {
  return BigInt(`0x${hex}`).toString(16);
}
