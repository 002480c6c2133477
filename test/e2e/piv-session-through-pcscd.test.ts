import {execFile} from 'node:child_process';
import {promisify} from 'node:util';
import {afterAll, beforeAll, expect, it, vi} from 'vitest';
import {PcscReaders} from '../../source/apdu/transports/pcsc.js';
import {Algorithm, ObjectId, Slot} from '../../source/card/piv/constants.js';
import {decodeCertificateObject} from '../../source/card/piv/objects.js';
import {LocalManagementKey} from '../../source/card/piv/management-key.js';
import {PivSession} from '../../source/card/piv/session.js';
import {oldSithsCard} from '../../source/card/virtual/profiles.js';
import {INSTANT_TIMING} from '../../source/card/virtual/timing.js';
import {VirtualPivCard} from '../../source/card/virtual/virtual-card.js';
import {connectVpcd, type VpcdBridge} from '../../source/card/virtual/vpcd.js';
import {buildCertificateRequest} from '../../source/pki/csr.js';
import {createCertificateAuthority, issueCertificate, randomSerialNumber} from '../../source/pki/issue.js';
import {openssl} from '../pki/openssl.js';
import {CountingTransport} from '../card/piv/counting-transport.js';
import {describeWithPcscd, startPrivatePcscd, type PrivatePcscd} from './support/pcscd.js';

/**
 * The PIV session through a real private pcscd, with the virtual card behind the vpcd reader, and OpenSC and
 * openssl as judges: what the session writes, third-party PIV software reads in the right slots.
 */

const run = promisify(execFile);
const WAIT = {timeout: 10_000, interval: 20};
const PIN = '246813';
const MANAGEMENT_KEY = Uint8Array.from({length: 24}, (_, index) => 0x40 + index);
const HOLDER = {
  givenName: 'Anna',
  surname: 'Andersson',
  hsaId: 'SE2321000016-1234',
  cardNumber: '97522690012345',
};

describeWithPcscd(
  'the PIV session through a private pcscd and the vpcd reader',
  () => {
    let pcscd: PrivatePcscd;
    let readers: PcscReaders;
    let bridge: VpcdBridge;
    let card: VirtualPivCard;

    beforeAll(async () => {
      pcscd = await startPrivatePcscd();
      // libpcsclite reads the socket name once, at this process's first PC/SC context.
      process.env.PCSCLITE_CSOCK_NAME = pcscd.socketPath;
      readers = await PcscReaders.open({busyTimeoutMs: 2_000});
      const issuer = await createCertificateAuthority({
        name: [{type: 'commonName', value: 'Old SITHS CA'}],
        keyAlgorithm: 'ecc-p256',
        notBefore: new Date('2020-01-01T00:00:00Z'),
        notAfter: new Date('2040-01-01T00:00:00Z'),
      });
      card = new VirtualPivCard({
        state: await oldSithsCard({holder: HOLDER, pin: PIN, issuer, managementKey: MANAGEMENT_KEY}),
        timing: INSTANT_TIMING,
      });
      bridge = connectVpcd({card, port: pcscd.port, retryDelayMs: 50});
      await vi.waitFor(async () => {
        expect((await readers.list()).find((reader) => reader.name === pcscd.readerNames[0])?.hasCard).toBe(
          true,
        );
      }, WAIT);
    });

    afterAll(async () => {
      await bridge?.close();
      readers?.close();
      await pcscd?.stop();
    });

    async function connect(): Promise<CountingTransport> {
      return new CountingTransport(await readers.connect(pcscd.readerNames[0]));
    }

    it('installs certificates OpenSC then lists in their slots: identity, PIN, generate, CSRs openssl accepts, 9A 82 83 written', async () => {
      const transport = await connect();
      const session = await PivSession.open(transport);
      expect(session.isExtended).toBe(true);
      expect(await session.readIdentity()).toMatchObject({cardNumber: HOLDER.cardNumber, hasChuid: true});
      expect((await session.readCertificates()).map(({slot}) => slot)).toEqual([
        Slot.Authentication,
        Slot.Signature,
      ]);
      expect(transport.take()).toBe(1 + 3 + 6);

      await session.verifyPin(PIN);
      await session.authenticate(new LocalManagementKey(MANAGEMENT_KEY));
      const keys = new Map<Slot, Uint8Array>([
        [Slot.Retired1, await session.generateKey(Slot.Retired1, Algorithm.EccP256)],
        [Slot.Retired2, await session.generateKey(Slot.Retired2, Algorithm.Rsa2048)],
        [Slot.Authentication, await session.generateKey(Slot.Authentication, Algorithm.EccP256)],
      ]);
      expect(transport.takeInstructions()).toEqual(['20', 'F7', '87', '87', '47', '47', '47']);

      const ca = await createCertificateAuthority({
        name: [{type: 'commonName', value: 'New SITHS CA'}],
        keyAlgorithm: 'ecc-p256',
        notBefore: new Date('2024-01-01T00:00:00Z'),
        notAfter: new Date('2040-01-01T00:00:00Z'),
      });
      const issued = new Map<Slot, Uint8Array>();
      for (const [slot, name] of [
        [Slot.Retired1, '196001012384 authentication'],
        [Slot.Retired2, '196001012384 signature'],
        [Slot.Authentication, 'SE2321000016-1234 authentication'],
      ] as const) {
        const publicKey = keys.get(slot)!;
        const request = await buildCertificateRequest({
          subject: [{type: 'commonName', value: name}],
          signer: session.signer(slot, publicKey),
        });
        const judged = openssl(['req', '-verify', '-noout', '-inform', 'DER', '-in', '{request.der}'], {
          'request.der': request,
        });
        expect(judged.status, judged.stderr).toBe(0);
        issued.set(
          slot,
          await issueCertificate({
            subject: [{type: 'commonName', value: name}],
            subjectPublicKey: publicKey,
            issuer: ca,
            serialNumber: randomSerialNumber(),
            notBefore: new Date('2024-01-01T00:00:00Z'),
            notAfter: new Date('2034-01-01T00:00:00Z'),
          }),
        );
      }
      // Extended APDUs: each signature is one GENERAL AUTHENTICATE, RSA-2048 too.
      expect(transport.takeInstructions()).toEqual(['87', '87', '87']);

      await session.writeCertificate(Slot.Retired1, issued.get(Slot.Retired1)!);
      await session.writeCertificate(Slot.Retired2, issued.get(Slot.Retired2)!);
      expect(transport.takeInstructions()).toEqual(['DB', 'DB', 'DB', 'DB']);
      // 9A is replaced in place: one PUT DATA, no Key History.
      await session.writeCertificate(Slot.Authentication, issued.get(Slot.Authentication)!);
      expect(transport.take()).toBe(1);
      await session.close();

      // OpenSC's PIV IDs: 01 for 9A, 02 for 9C, 05 and 06 for 82 and 83; each read back as the DER written.
      const oldSignature = card.inspect().objects.get(ObjectId.SignatureCertificate)!;
      expect(await listCertificates()).toEqual([
        {id: '01', label: 'Certificate for PIV Authentication'},
        {id: '02', label: 'Certificate for Digital Signature'},
        {id: '05', label: 'Retired Certificate for Key Management 1'},
        {id: '06', label: 'Retired Certificate for Key Management 2'},
      ]);
      expect(await readCertificate('01')).toEqual(issued.get(Slot.Authentication));
      expect(await readCertificate('02')).toEqual(decodeCertificateObject(oldSignature)?.certificate);
      expect(await readCertificate('05')).toEqual(issued.get(Slot.Retired1));
      expect(await readCertificate('06')).toEqual(issued.get(Slot.Retired2));
    });

    it('leaves the PIN unverified for the next program once the session is closed', async () => {
      const first = await PivSession.open(await connect());
      await first.verifyPin(PIN);
      expect(await first.pinStatus()).toEqual({type: 'verified'});
      await first.close();

      const next = await PivSession.open(await connect());
      expect(await next.pinStatus()).toMatchObject({type: 'unverified'});
      await next.close();
    });

    it('reads back through PC/SC what OpenSC lists, with short APDUs too', async () => {
      const transport = await connect();
      const session = await PivSession.open(transport, {extended: false});
      const listed = await session.readCertificates();
      expect(listed.map(({slot}) => slot)).toEqual([
        Slot.Authentication,
        Slot.Signature,
        Slot.Retired1,
        Slot.Retired2,
      ]);
      await session.close();
    });

    const opensc = (args: string[]) =>
      run('pkcs15-tool', ['--reader', pcscd.readerNames[0], ...args], {
        env: {...pcscd.env, OPENSC_DRIVER: 'PIV-II'},
      });

    /** `pkcs15-tool --list-certificates` through the private pcscd: each certificate's ID and label. */
    async function listCertificates(): Promise<{id: string; label: string}[]> {
      const {stdout} = await opensc(['--list-certificates']);
      return [...stdout.matchAll(/X\.509 Certificate \[([^\]]+)\][\s\S]*?ID\s*:\s*([0-9a-f]+)/gi)].map(
        (match) => ({
          id: match[2]!,
          label: match[1]!,
        }),
      );
    }

    /** `pkcs15-tool --read-certificate <id>`: the certificate as OpenSC reads it, DER. */
    async function readCertificate(id: string): Promise<Uint8Array> {
      const {stdout} = await opensc(['--read-certificate', id]);
      const base64 = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(stdout)?.[1] ?? '';
      return new Uint8Array(Buffer.from(base64.replace(/\s/g, ''), 'base64'));
    }
  },
  ['pkcs15-tool', 'openssl'],
);
