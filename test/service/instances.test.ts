/**
 * Several service instances on one store, in this process: two startService calls on one URL are two pools and two
 * fastify apps, as two `serve` processes would be. Only the vitest project "postgresql" runs this file
 * (vitest.config.ts): SQLite is one process's store.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {DEFAULT_LIMITS, type ServiceSettings} from '../../source/service/config.js';
import {freshStoreLocation} from '../support/test-store.js';
import {
  base64,
  createDemoFixture,
  generateCardKey,
  startTestService,
  StandInCard,
  type DemoFixture,
} from './service-harness.js';
import {
  crlSerials,
  issueUpgrade,
  logInWith,
  prepareUpgrade,
  readUpgradeLedger,
  roundRobin,
  runUpgrade,
  serialNumber,
  staffDirectory,
  withRetries,
  type Call,
  type PreparedUpgrade,
} from './simulated-upgrade.js';

const CLIENTS = 10;
/** Requests of one upgrade: challenge, login, terms read and accepted, plan, four issuances, completion. */
const REQUESTS_PER_UPGRADE = 10;

describe('service instances sharing one PostgreSQL store', () => {
  const persons = staffDirectory(CLIENTS + 4);
  let fixture: DemoFixture;
  let prepared: PreparedUpgrade[];
  beforeAll(async () => {
    fixture = await createDemoFixture({keyAlgorithm: 'ecc-p256'});
    prepared = await Promise.all(persons.map((person) => prepareUpgrade(fixture, person)));
  });
  afterAll(() => fixture?.cleanup());

  /** Two instances on one fresh database, with the staff directory and `settings` over the demo's. */
  async function startTwoInstances(settings: Partial<ServiceSettings> = {}) {
    const storeLocation = await freshStoreLocation(fixture.directory);
    const options = {storeLocation, settings: {persons, ...settings}};
    const instances = [await startTestService(fixture, options), await startTestService(fixture, options)];
    return {
      storeLocation,
      instances,
      close: () => Promise.all(instances.map((instance) => instance.close())),
    };
  }

  it('completes every upgrade exactly once when one instance stops in the middle of the run', async () => {
    const {storeLocation, instances, close} = await startTwoInstances();
    const [first, second] = instances as [(typeof instances)[0], (typeof instances)[0]];
    try {
      let sent = 0;
      let refusedByStopped = 0;
      let stopping: Promise<void> | undefined;
      const stoppable: Call = async (...request) => {
        const outcome = await first.call(...request).catch((error: Error) => error);
        if (outcome instanceof Error || outcome.status === 503) refusedByStopped++;
        if (outcome instanceof Error) throw outcome;
        return outcome;
      };
      const both = roundRobin([stoppable, second.call]);
      const call = withRetries((...request) => {
        // A third of the way through, the first instance stops: it finishes the requests it has and takes no more,
        // so that the clients' retries go to the second.
        if (++sent === Math.floor((CLIENTS * REQUESTS_PER_UPGRADE) / 3)) stopping = first.close();
        return both(...request);
      });
      const clients = prepared.slice(0, CLIENTS);
      const installed = await Promise.all(clients.map((client) => runUpgrade(call, client)));
      await stopping;

      expect(refusedByStopped).toBeGreaterThan(0);
      expect(installed.map((serials) => serials.length)).toEqual(clients.map(() => 4));
      const ledger = await readUpgradeLedger(storeLocation);
      expect(ledger.keysIssuedTwice).toBe(0);
      expect(Object.fromEntries(ledger.completionsPerCard)).toEqual(
        Object.fromEntries(clients.map((client) => [client.card.cardNumber, 1])),
      );
      expect({previous: ledger.previous, revoked: ledger.revokedPreviousSerials.length}).toEqual({
        previous: CLIENTS,
        revoked: CLIENTS,
      });
      const onCrl = await crlSerials(second.call, fixture, 'old');
      expect(ledger.revokedPreviousSerials.filter((serial) => !onCrl.has(serialNumber(serial)))).toEqual([]);
    } finally {
      await close();
    }
  });

  it('records one completion when two instances complete the same card at once', async () => {
    const {storeLocation, instances, close} = await startTwoInstances();
    try {
      const client = prepared[CLIENTS]!;
      const issued = await issueUpgrade(instances[0]!.call, client);
      // A resumed run's sessions, opened with the new authentication certificate, one on each instance.
      const answers = await Promise.all(
        instances.map(async ({call}) => {
          const token = await logInWith(call, client.card, issued.newLogin);
          return call('POST', '/v1/completion', {token, body: {installed: issued.serials}});
        }),
      );

      expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
      const installed = answers.map((answer) =>
        (answer.body.installed as {serial: string}[]).map((entry) => entry.serial).sort(),
      );
      expect(installed).toEqual([[...issued.serials].sort(), [...issued.serials].sort()]);
      // One of them revoked the old login certificate; the other, after it, found nothing left to revoke.
      expect(answers.map((answer) => answer.body.revoked.length).sort()).toEqual([0, 1]);
      const ledger = await readUpgradeLedger(storeLocation);
      expect(ledger.completionsPerCard.get(client.card.cardNumber)).toBe(1);
    } finally {
      await close();
    }
  });

  it('opens a session on one instance for a challenge the other gave, and only once', async () => {
    const {instances, close} = await startTwoInstances();
    const [first, second] = instances as [(typeof instances)[0], (typeof instances)[0]];
    try {
      const {card} = prepared[CLIENTS + 1]!;
      const challenge = await requestChallenge(first.call, card);
      const answer = {challengeId: challenge.body.challengeId, signature: signed(card, challenge.body)};

      const login = await second.call('POST', '/v1/login', {body: answer});
      expect(login.status).toBe(200);
      const session = await first.call('GET', '/v1/session', {token: login.body.token});
      expect(session.body.card.number).toBe(card.cardNumber);
      const again = await first.call('POST', '/v1/login', {body: answer});
      expect({status: again.status, error: again.body.error}).toEqual({
        status: 401,
        error: 'challenge-unknown',
      });
    } finally {
      await close();
    }
  });

  it('counts login challenges and failed signatures across instances', async () => {
    const {instances, close} = await startTwoInstances({
      limits: {...DEFAULT_LIMITS, loginChallengesPerMinute: 3, loginFailuresPerCertificate: 2},
    });
    const [first, second] = instances as [(typeof instances)[0], (typeof instances)[0]];
    try {
      const {card: busy} = prepared[CLIENTS + 2]!;
      const challenges = [first, second, first, second].map(
        ({call}) =>
          () =>
            requestChallenge(call, busy),
      );
      const statuses: number[] = [];
      for (const challenge of challenges) statuses.push((await challenge()).status);
      expect(statuses).toEqual([200, 200, 200, 429]);

      const {card: forged} = prepared[CLIENTS + 3]!;
      const [a, b, c] = [
        await requestChallenge(first.call, forged),
        await requestChallenge(second.call, forged),
        await requestChallenge(first.call, forged),
      ];
      const wrongKey = generateCardKey('ecc-p256');
      const failures = [
        await second.call('POST', '/v1/login', {
          body: {challengeId: a.body.challengeId, signature: signed(forged, a.body, wrongKey)},
        }),
        await first.call('POST', '/v1/login', {
          body: {challengeId: b.body.challengeId, signature: signed(forged, b.body, wrongKey)},
        }),
      ];
      expect(failures.map((failure) => failure.body.error)).toEqual([
        'signature-invalid',
        'signature-invalid',
      ]);
      // The right signature, refused: the two failures on two instances count against the certificate.
      const refused = await second.call('POST', '/v1/login', {
        body: {challengeId: c.body.challengeId, signature: signed(forged, c.body)},
      });
      expect({status: refused.status, error: refused.body.error}).toEqual({
        status: 429,
        error: 'too-many-attempts',
      });
    } finally {
      await close();
    }
  });
});

function requestChallenge(call: Call, card: StandInCard) {
  return call('POST', '/v1/login/challenge', {
    body: {
      certificate: base64(card.authenticationCertificate),
      cardNumber: card.cardNumber,
      cardProfile: 'piv',
    },
  });
}

/** The card's signature of a challenge's toBeSigned (base64), with its authentication key unless told another. */
function signed(card: StandInCard, challenge: {toBeSigned: string}, key = card.authenticationKey): string {
  return base64(card.signLogin(Buffer.from(challenge.toBeSigned, 'base64'), key));
}
