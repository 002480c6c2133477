import {readFile, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {DEFAULT_LIMITS, type DirectoryPerson} from '../source/service/config.js';
import {httpsClient} from '../test/service/https-client.js';
import {createDemoFixture, type DemoFixture} from '../test/service/service-harness.js';
import {
  crlSerials,
  issueUpgrade,
  prepareUpgrade,
  readUpgradeLedger,
  runUpgrade,
  serialNumber,
  staffDirectory,
  withRetries,
  type Call,
  type PreparedUpgrade,
  type RequestKind,
} from '../test/service/simulated-upgrade.js';
import {missingPostgresql, startPrivatePostgresql} from '../test/support/postgresql.js';
import {startServeInstance, type ServeInstance} from './serve-instances.js';
import {startTcpBalancer} from './tcp-balancer.js';

/** Clients at once; BENCH_CLIENTS sets how many upgrades a run does in all (default 200). */
const CONCURRENCY = 50;
const INSTANCES = 3;
const KINDS: readonly RequestKind[] = ['challenge', 'login', 'terms', 'plan', 'issue', 'complete'];

/**
 * Part 7 of `npm run bench`: the reference service under many upgrades at once. The clients do the service side
 * of a PIV upgrade with ECC P-256 keys (node:crypto for the card; keys, requests and attestations made before the
 * timed part), through a round-robin TCP balancer: on 3 `serve` processes sharing a private PostgreSQL, on one
 * on a SQLite file, and on PostgreSQL again with one instance killed half-way; then two completions of one card
 * at once on two instances. Prints figures and the store's invariants; asserts nothing.
 */
export async function serviceLoadBench(): Promise<void> {
  const count = Number(process.env.BENCH_CLIENTS ?? 200);
  console.log(
    `7. the reference service under ${count} simulated PIV upgrades (ECC P-256 keys), ` +
      `${Math.min(CONCURRENCY, count)} at a time, ` +
      'through a round-robin TCP balancer',
  );
  const missing = missingPostgresql();
  if (missing !== undefined) {
    console.log(`   cannot run: ${missing}`);
    return;
  }
  const fixture = await createDemoFixture({keyAlgorithm: 'ecc-p256'});
  try {
    const persons = staffDirectory(count + 1);
    await configureForLoad(join(fixture.directory, 'demo'), persons);
    const started = performance.now();
    const prepared = await Promise.all(persons.map((person) => prepareUpgrade(fixture, person)));
    console.log(
      `   ${prepared.length} cards with their requests and attestations made in ` +
        `${((performance.now() - started) / 1000).toFixed(1)} s (not timed)`,
    );
    await onPostgresql(fixture, prepared.slice(0, count), prepared[count]!);
    await onSqlite(fixture, prepared.slice(0, count));
  } finally {
    await fixture.cleanup();
  }
}

/**
 * Points the demo's config.json at a directory of `persons` and sets a per-address ceiling of challenges above
 * what the run asks for (the default when that is enough): every simulated client reaches the service from
 * 127.0.0.1 through the balancer, as from behind one NAT.
 */
async function configureForLoad(demo: string, persons: readonly DirectoryPerson[]): Promise<void> {
  await writeFile(join(demo, 'staff.json'), JSON.stringify({persons}));
  const configPath = join(demo, 'config.json');
  const config = JSON.parse(await readFile(configPath, 'utf8')) as object;
  const ceiling = Math.max(DEFAULT_LIMITS.loginChallengesPerAddressPerMinute, 2 * persons.length);
  await writeFile(
    configPath,
    JSON.stringify({
      ...config,
      directory: 'staff.json',
      limits: {loginChallengesPerAddressPerMinute: ceiling},
    }),
  );
}

/** The plain run, then the run with a kill and the racing completions, each on a database of its own. */
async function onPostgresql(
  fixture: DemoFixture,
  clients: readonly PreparedUpgrade[],
  raced: PreparedUpgrade,
): Promise<void> {
  const postgresql = await startPrivatePostgresql();
  try {
    await withDeployment(fixture, await postgresql.createDatabase('load'), INSTANCES, async ({call}) => {
      printFigures(`${INSTANCES} instances on PostgreSQL`, await loadRun(call, clients));
    });
    const store = await postgresql.createDatabase('kill');
    await withDeployment(fixture, store, INSTANCES, async (deployment) => {
      const victim = deployment.instances[1]!;
      const half = Math.floor(clients.length / 2);
      const figures = await loadRun(deployment.call, clients, (completed) => {
        if (completed === half) victim.kill();
      });
      printFigures(
        `${INSTANCES} instances on PostgreSQL, one killed (SIGKILL) after ${half} upgrades`,
        figures,
      );
      await printLedger(fixture, store, deployment.call, clients);
      const survivors = deployment.instances.filter((instance) => instance !== victim);
      await printRacingCompletions(fixture, store, deployment.call, survivors, raced);
    });
  } finally {
    await postgresql.stop();
  }
}

async function onSqlite(fixture: DemoFixture, clients: readonly PreparedUpgrade[]): Promise<void> {
  await withDeployment(fixture, join(fixture.directory, 'load.sqlite'), 1, async ({call}) => {
    printFigures('1 instance on SQLite', await loadRun(call, clients));
  });
}

/** `serve` instances on one store behind a balancer, and a client pinned to the demo's CA that goes through it. */
interface Deployment {
  readonly instances: readonly ServeInstance[];
  readonly call: Call;
}

/** Starts `count` instances on `store` and the balancer, runs `run`, and stops them all whatever happens. */
async function withDeployment(
  fixture: DemoFixture,
  store: string,
  count: number,
  run: (deployment: Deployment) => Promise<void>,
): Promise<void> {
  const ca = fixture.settings.tls.caCertificate;
  const demo = join(fixture.directory, 'demo');
  const starting = await Promise.allSettled(
    Array.from({length: count}, (_, index) => startServeInstance(demo, `instance-${index + 1}`, {store}, ca)),
  );
  const instances = starting.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  try {
    const failed = starting.find((outcome) => outcome.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    const balancer = await startTcpBalancer(instances.map((instance) => instance.port));
    try {
      await run({instances, call: httpsClient(`https://127.0.0.1:${balancer.port}`, ca)});
    } finally {
      await balancer.close();
    }
  } finally {
    await Promise.all(instances.map((instance) => instance.stop()));
  }
}

/** One run: its wall time, the upgrades completed and failed, each request's time by kind, requests sent. */
interface LoadFigures {
  readonly ms: number;
  readonly completed: number;
  readonly failures: readonly string[];
  readonly latencies: ReadonlyMap<RequestKind, readonly number[]>;
  /** Every attempt sent, retries included. */
  readonly requests: number;
}

/** Runs every client's upgrade, CONCURRENCY at a time, retrying as withRetries does; `onCompleted` counts them. */
async function loadRun(
  call: Call,
  clients: readonly PreparedUpgrade[],
  onCompleted: (completed: number) => void = () => undefined,
): Promise<LoadFigures> {
  let requests = 0;
  const send = withRetries((...request) => {
    requests++;
    return call(...request);
  });
  const latencies = new Map<RequestKind, number[]>(KINDS.map((kind) => [kind, []]));
  const failures: string[] = [];
  let next = 0;
  let completed = 0;
  const worker = async () => {
    for (let client = clients[next++]; client !== undefined; client = clients[next++]) {
      try {
        await runUpgrade(send, client, (kind, ms) => latencies.get(kind)!.push(ms));
        onCompleted(++completed);
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({length: Math.min(CONCURRENCY, clients.length)}, worker));
  return {ms: performance.now() - started, completed, failures, latencies, requests};
}

function printFigures(label: string, figures: LoadFigures): void {
  const sent = [...figures.latencies.values()].reduce((sum, times) => sum + times.length, 0);
  const perSecond = figures.completed / (figures.ms / 1000);
  console.log(
    `   ${label}: ${perSecond.toFixed(1)} upgrades/s (${figures.completed} in ${(figures.ms / 1000).toFixed(1)} s` +
      `${figures.failures.length > 0 ? `, ${figures.failures.length} failed` : ''}), ${figures.requests} requests ` +
      `(${figures.requests - sent} of them retries)`,
  );
  for (const kind of KINDS) {
    const times = [...figures.latencies.get(kind)!].sort((a, b) => a - b);
    const at = (fraction: number) =>
      times[Math.min(times.length - 1, Math.ceil(fraction * times.length) - 1)] ?? 0;
    console.log(
      `     ${kind.padEnd(10)} p50 ${at(0.5).toFixed(0).padStart(5)} ms   p99 ${at(0.99).toFixed(0).padStart(5)} ms` +
        `   (${times.length})`,
    );
  }
  if (figures.failures.length > 0) console.log(`     first failure: ${figures.failures[0]}`);
}

/** The store's invariants after the run, and the old CA's CRL as the balancer serves it. */
async function printLedger(
  fixture: DemoFixture,
  store: string,
  call: Call,
  clients: readonly PreparedUpgrade[],
): Promise<void> {
  const ledger = await readUpgradeLedger(store);
  const counts = clients.map((client) => ledger.completionsPerCard.get(client.card.cardNumber) ?? 0);
  const onCrl = await crlSerials(call, fixture, 'old');
  const listed = ledger.revokedPreviousSerials.filter((serial) => onCrl.has(serialNumber(serial)));
  console.log(`     public keys with two certificates of origin 'service': ${ledger.keysIssuedTwice}`);
  console.log(
    `     completion records: ${counts.reduce((sum, n) => sum + n, 0)} for ${clients.length} cards ` +
      `(cards without one: ${counts.filter((n) => n === 0).length}, with more: ${counts.filter((n) => n > 1).length})`,
  );
  console.log(
    `     replaced login certificates (origin 'previous'): ${ledger.previous}, revoked ` +
      `${ledger.revokedPreviousSerials.length}, on the old CA's CRL ${listed.length}`,
  );
}

/**
 * One card issued through the balancer, then its completion sent with the same session to two instances at once,
 * as a client whose first completion seemed lost might send it again through another instance.
 */
async function printRacingCompletions(
  fixture: DemoFixture,
  store: string,
  call: Call,
  instances: readonly ServeInstance[],
  raced: PreparedUpgrade,
): Promise<void> {
  const ca = fixture.settings.tls.caCertificate;
  const issued = await issueUpgrade(withRetries(call), raced);
  const answers = await Promise.all(
    instances.slice(0, 2).map((instance) =>
      httpsClient(instance.url, ca)('POST', '/v1/completion', {
        token: issued.token,
        body: {installed: issued.serials},
      }),
    ),
  );
  const installed = answers.map((answer) =>
    ((answer.body?.installed ?? []) as {serial: string}[])
      .map((entry) => entry.serial)
      .sort()
      .join(),
  );
  const records = (await readUpgradeLedger(store)).completionsPerCard.get(raced.card.cardNumber) ?? 0;
  console.log(
    `   two completions of one card at once on two instances: answers ` +
      `${answers.map((answer) => answer.status).join(' and ')}, same installed serials: ` +
      `${installed[0] !== '' && installed[0] === installed[1] ? 'yes' : 'no'}; completion records for the card: ` +
      records,
  );
}
