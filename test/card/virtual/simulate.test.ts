import {X509Certificate} from 'node:crypto';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';
import {decodeTlvs, findTlv} from '../../../source/apdu/tlv.js';
import {ObjectId} from '../../../source/card/piv/constants.js';
import {createCertificateAuthority} from '../../../source/pki/issue.js';
import {
  runSimulate,
  SIMULATED_HOLDER,
  simulatedOldCaPath,
  type SimulateOptions,
} from '../../../source/card/virtual/simulate.js';
import {TELIA_EID_IP5A_ATR} from '../../../source/card/virtual/eid/constants.js';
import {loadEidCardState} from '../../../source/card/virtual/eid/state-file.js';
import {loadCardState} from '../../../source/card/virtual/state-file.js';
import {JCOP4_TIMING} from '../../../source/card/virtual/timing.js';
import {YUBIKEY_5_ATR} from '../../../source/card/virtual/virtual-card.js';
import {VpcdControl} from '../../../source/card/virtual/vpcd.js';
import {hex} from '../../apdu/transcript-transport.js';
import {FakeVpcdReader} from './vpcd-reader.js';

const WAIT = {timeout: 10_000, interval: 10};
const SELECT_PIV = hex('00 A4 04 00 05 A0 00 00 03 08');
const VERIFY_WRONG_PIN = hex('00 20 00 80 08 39 39 39 39 39 39 FF FF');

/** The DER certificate in a certificate object's value (70 cert, 71 CertInfo, FE LRC). */
function certificateIn(object: Uint8Array): Uint8Array {
  return findTlv(decodeTlvs(object), 0x70)!;
}

function output() {
  let text = '';
  return {
    sink: {write: (chunk: string) => (text += chunk)},
    lines: () => text.split('\n').filter((line) => line !== ''),
  };
}

describe('runSimulate', () => {
  let directory: string;
  let reader: FakeVpcdReader;
  const running: Array<{controller: AbortController; done: Promise<unknown>}> = [];

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'simulate-'));
    reader = await FakeVpcdReader.listen({timeoutMs: WAIT.timeout});
  });

  afterEach(async () => {
    for (const {controller, done} of running.splice(0)) {
      controller.abort();
      await done.catch(() => undefined);
    }
    await reader.close();
    rmSync(directory, {recursive: true, force: true});
  });

  function options(overrides: Partial<SimulateOptions> = {}): SimulateOptions {
    return {
      vpcd: {host: '127.0.0.1', port: reader.port},
      statePath: join(directory, 'card.json'),
      profile: 'blank',
      timing: 'instant',
      ...overrides,
    };
  }

  /** Starts a simulation; stop it with the returned controller. */
  function simulate(simulateOptions: SimulateOptions, stdout = output(), stderr = output()) {
    const controller = new AbortController();
    const done = runSimulate(simulateOptions, {
      signal: controller.signal,
      stdout: stdout.sink,
      stderr: stderr.sink,
    });
    running.push({controller, done});
    return {controller, done, stdout, stderr};
  }

  it('creates a blank card in a new state file, answers the reader, and saves the state when stopped', async () => {
    const run = simulate(options());
    await vi.waitFor(() => expect(reader.connections).toBe(1), WAIT);

    expect(await reader.exchange(Uint8Array.of(VpcdControl.GetAtr))).toEqual(YUBIKEY_5_ATR);
    expect((await reader.exchange(SELECT_PIV)).slice(-2)).toEqual(hex('90 00'));
    run.controller.abort();
    await run.done;

    const state = loadCardState(options().statePath);
    expect(state.keys.size).toBe(1);
    expect(run.stdout.lines()).toEqual([
      `Virtual PIV card ${state.serial} created (blank): ${options().statePath}`,
      `Waiting for the vpcd reader at 127.0.0.1:${reader.port} (pcscd with vsmartcard-vpcd)`,
      `Card inserted in the vpcd reader at 127.0.0.1:${reader.port}`,
      `Card removed from the vpcd reader at 127.0.0.1:${reader.port}`,
      `State saved: ${options().statePath}`,
    ]);
    expect(run.stderr.lines()).toEqual([]);
  });

  it('creates a blank two-PIN SITHS card with --card siths-eid, and keeps that card when the file exists', async () => {
    const first = simulate(options({card: 'siths-eid'}));
    await vi.waitFor(() => expect(reader.connections).toBe(1), WAIT);
    expect(await reader.exchange(Uint8Array.of(VpcdControl.GetAtr))).toEqual(TELIA_EID_IP5A_ATR);
    expect(await reader.exchange(hex('00 CA DF 30 05'))).toEqual(hex('76 32 2E 31 00 90 00'));
    first.controller.abort();
    await first.done;
    expect(loadEidCardState(options().statePath).pins.size).toBe(3);

    const second = simulate(options({card: 'piv'}));
    await vi.waitFor(() => expect(reader.connections).toBe(2), WAIT);
    expect(await reader.exchange(Uint8Array.of(VpcdControl.GetAtr))).toEqual(TELIA_EID_IP5A_ATR);
    second.controller.abort();
    await second.done;
    expect(first.stdout.lines()[0]).toBe(
      `Virtual SITHS card (Setec EID, two PINs) created (blank): ${options().statePath}`,
    );
    expect(second.stdout.lines()[0]).toBe(
      `Virtual SITHS card (Setec EID, two PINs) loaded: ${options().statePath}`,
    );
    expect(second.stderr.lines()).toEqual([
      `--card piv is ignored: ${options().statePath} holds a siths-eid card`,
    ]);
  });

  it('issues the two-PIN SITHS card its old credential from the given CA, as --for-service does', async () => {
    const issuer = await createCertificateAuthority({
      name: [{type: 'commonName', value: 'Service old CA'}],
      keyAlgorithm: 'rsa-2048',
      notBefore: new Date(Date.now() - 86_400_000),
      notAfter: new Date(Date.now() + 86_400_000),
    });
    const run = simulate(options({card: 'siths-eid', profile: 'old-siths', oldSiths: {issuer}}));
    await vi.waitFor(() => expect(reader.connections).toBe(1), WAIT);
    run.controller.abort();
    await run.done;

    const application = loadEidCardState(options().statePath).root.children.find(
      (file) => file.fid === 0x5015,
    );
    const certificate =
      application?.kind === 'df' ? application.children.find((file) => file.fid === 0x4331) : undefined;
    expect(certificate?.kind).toBe('ef');
    const parsed = new X509Certificate(certificate?.kind === 'ef' ? certificate.content : new Uint8Array());
    expect(parsed.checkIssued(new X509Certificate(issuer.certificate))).toBe(true);
    expect(parsed.subject).toContain(SIMULATED_HOLDER.hsaId);
  });

  it("takes at least a JCOP4 card's time per command with realistic timing", async () => {
    const run = simulate(options({timing: 'realistic'}));
    await vi.waitFor(() => expect(run.stdout.lines()).toHaveLength(3), WAIT);

    const started = performance.now();
    await reader.exchange(SELECT_PIV);

    expect(performance.now() - started).toBeGreaterThanOrEqual(JCOP4_TIMING.commandMs);
  });

  it('creates an old-siths card issued by a demo old CA, saving only that CA certificate, and loads the card next time', async () => {
    const first = simulate(options({profile: 'old-siths'}));
    await vi.waitFor(() => expect(reader.connections).toBe(1), WAIT);
    first.controller.abort();
    await first.done;
    const caPem = readFileSync(simulatedOldCaPath(options().statePath), 'utf8');
    const state = loadCardState(options().statePath);

    const second = simulate(options({profile: 'blank'}));
    await vi.waitFor(() => expect(reader.connections).toBe(2), WAIT);
    second.controller.abort();
    await second.done;

    const ca = new X509Certificate(caPem);
    const certificate = new X509Certificate(
      certificateIn(state.objects.get(ObjectId.AuthenticationCertificate)!),
    );
    expect(caPem).not.toMatch(/PRIVATE KEY/);
    expect(certificate.verify(ca.publicKey)).toBe(true);
    expect(certificate.subject).toContain(`serialNumber=${SIMULATED_HOLDER.hsaId}`);
    expect(first.stdout.lines().slice(0, 3)).toEqual([
      `Old CA certificate saved: ${simulatedOldCaPath(options().statePath)}`,
      `Card holder Anna Andersson, ${SIMULATED_HOLDER.hsaId}, card number ${SIMULATED_HOLDER.cardNumber}; ` +
        `issuer C=SE, O=SITHS Demo, CN=SITHS Demo Type 3 CA v1 (simulated old CA)`,
      `Virtual PIV card ${state.serial} created (old-siths): ${options().statePath}`,
    ]);
    expect(second.stdout.lines()[0]).toBe(`Virtual PIV card ${state.serial} loaded: ${options().statePath}`);
    expect(loadCardState(options().statePath).objects).toEqual(state.objects);
    expect(readFileSync(simulatedOldCaPath(options().statePath), 'utf8')).toBe(caPem);
  });

  it('issues an old-siths card from the given CA and holder, and warns when later inputs are ignored', async () => {
    const issuer = await createCertificateAuthority({
      name: [{type: 'commonName', value: 'Given Old CA'}],
      keyAlgorithm: 'ecc-p256',
      notBefore: new Date('2020-01-01T00:00:00Z'),
      notAfter: new Date('2040-01-01T00:00:00Z'),
    });
    const holder = {...SIMULATED_HOLDER, hsaId: 'SE2321000016-2002', cardNumber: '97522700000002'};
    const oldSiths = {issuer, holder, pin: '24681357'};
    const first = simulate(options({profile: 'old-siths', oldSiths}));
    await vi.waitFor(() => expect(reader.connections).toBe(1), WAIT);
    first.controller.abort();
    await first.done;

    const second = simulate(options({profile: 'old-siths', oldSiths}));
    await vi.waitFor(() => expect(reader.connections).toBe(2), WAIT);
    second.controller.abort();
    await second.done;

    const state = loadCardState(options().statePath);
    const certificate = new X509Certificate(certificateIn(state.objects.get(ObjectId.SignatureCertificate)!));
    expect(certificate.checkIssued(new X509Certificate(issuer.certificate))).toBe(true);
    expect(certificate.subject).toContain('serialNumber=SE2321000016-2002');
    expect(() => readFileSync(simulatedOldCaPath(options().statePath))).toThrow(/ENOENT/);
    expect(first.stderr.lines()).toEqual([]);
    expect(second.stderr.lines()).toEqual([
      `The old-siths inputs are ignored: the card already exists in ${options().statePath}`,
    ]);
  });

  it('connects again when the reader goes away, with one line per change', async () => {
    const run = simulate(options());
    await vi.waitFor(() => expect(reader.connections).toBe(1), WAIT);
    await vi.waitFor(() => expect(run.stdout.lines()).toHaveLength(3), WAIT);

    reader.hangUp();
    await vi.waitFor(() => expect(reader.connections).toBe(2), WAIT);
    await vi.waitFor(() => expect(run.stdout.lines()).toHaveLength(5), WAIT);

    expect(run.stdout.lines().slice(1)).toEqual([
      `Waiting for the vpcd reader at 127.0.0.1:${reader.port} (pcscd with vsmartcard-vpcd)`,
      `Card inserted in the vpcd reader at 127.0.0.1:${reader.port}`,
      `Waiting for the vpcd reader at 127.0.0.1:${reader.port} (pcscd with vsmartcard-vpcd)`,
      `Card inserted in the vpcd reader at 127.0.0.1:${reader.port}`,
    ]);
    expect((await reader.exchange(SELECT_PIV)).slice(-2)).toEqual(hex('90 00'));
  });

  it('rejects with state-file-failed when the new state file cannot be written', async () => {
    const run = simulate(options({statePath: join(directory, 'missing', 'card.json')}));

    await expect(run.done).rejects.toMatchObject({code: 'state-file-failed'});
    expect(reader.connections).toBe(0);
  });

  it('takes the card out and stops with state-file-failed when a change cannot be saved', async () => {
    const run = simulate(options());
    await vi.waitFor(() => expect(reader.connections).toBe(1), WAIT);
    await reader.exchange(SELECT_PIV);
    rmSync(directory, {recursive: true, force: true});

    reader.send(VERIFY_WRONG_PIN);

    await expect(run.done).rejects.toMatchObject({code: 'state-file-failed'});
    expect(run.stdout.lines().slice(-2)).toEqual([
      'Card taken out of the reader after a failure',
      `Card removed from the vpcd reader at 127.0.0.1:${reader.port}`,
    ]);
  });

  it('rejects a state file that does not parse, without touching it', async () => {
    writeFileSync(options().statePath, '{"format": "something else"}');

    await expect(simulate(options()).done).rejects.toMatchObject({code: 'state-file-invalid'});
    expect(readFileSync(options().statePath, 'utf8')).toBe('{"format": "something else"}');
  });
});
