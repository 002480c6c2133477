import type {KeyObject} from 'node:crypto';
import {writeFileSync} from 'node:fs';
import {afterAll, beforeAll, expect, it} from 'vitest';
import {encodeTlvs} from '../../source/apdu/tlv.js';
import {
  Algorithm,
  INS_GENERAL_AUTHENTICATE,
  INS_VERIFY,
  KeyOrigin,
  ObjectId,
  objectIdForSlot,
  PinPolicy,
  Slot,
  TouchPolicy,
} from '../../source/card/piv/constants.js';
import {encodeCertificateObject} from '../../source/card/piv/objects.js';
import {generatePrivateKey} from '../../source/card/virtual/asymmetric-keys.js';
import {blankCard} from '../../source/card/virtual/profiles.js';
import {DEFAULT_PIN, type CardState} from '../../source/card/virtual/state.js';
import {INSTANT_TIMING} from '../../source/card/virtual/timing.js';
import {VirtualPivCard} from '../../source/card/virtual/virtual-card.js';
import type {VpcdBridge} from '../../source/card/virtual/vpcd.js';
import {
  createCertificateAuthority,
  issueCertificate,
  randomSerialNumber,
  type CertificateAuthorityCredential,
} from '../../source/pki/issue.js';
import {exportPublicKey} from '../../source/pki/public-key.js';
import {describeWithPcscd, startPrivatePcscd, type PrivatePcscd} from './support/pcscd.js';
import {
  createToolWorkspace,
  HeaderRecorder,
  insertCard,
  OPENSC_PKCS11_MODULE,
  runTool,
  type ToolResult,
  type ToolWorkspace,
} from './support/third-party-tools.js';

/**
 * OpenSC (pkcs15-tool, pkcs11-tool with opensc-pkcs11.so) reads the virtual card through a private pcscd and the vpcd
 * reader and signs with its keys, each signature judged by openssl against the certificate OpenSC read from the card.
 * The card is a YubiKey 5.7 holding a P-256 key in 9A, an RSA-2048 key in 9C and a P-256 key in retired slot 82,
 * each with its certificate; in reader slot 0 with a Key History object counting the retired key, in slot 1 the
 * same card without it. The PIN is the card's throwaway test value: pkcs11-tool takes it only in argv (it reads no
 * PIN from a pipe).
 */

const RETIRED_SLOT = 0x82 as Slot;

/** Key History (SP 800-73-4 Part 1 table 19): C1 keys with on-card certificates, C2 off-card ones, FE LRC. */
const KEY_HISTORY_ONE_ON_CARD = encodeTlvs([
  {tag: 0xc1, value: Uint8Array.of(1)},
  {tag: 0xc2, value: Uint8Array.of(0)},
  {tag: 0xfe, value: new Uint8Array()},
]);

interface CardKey {
  readonly slot: Slot;
  readonly algorithm: Algorithm;
  readonly pinPolicy: PinPolicy;
  readonly privateKey: KeyObject;
  readonly certificate: Uint8Array;
}

async function cardKey(
  issuer: CertificateAuthorityCredential,
  slot: Slot,
  algorithm: Algorithm,
  pinPolicy: PinPolicy,
): Promise<CardKey> {
  const privateKey = await generatePrivateKey(algorithm);
  const certificate = await issueCertificate({
    subject: [{type: 'commonName', value: `Conformance ${slot.toString(16).toUpperCase()}`}],
    subjectPublicKey: exportPublicKey(privateKey),
    issuer,
    serialNumber: randomSerialNumber(),
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
  });
  return {slot, algorithm, pinPolicy, privateKey, certificate};
}

/** A blank YubiKey 5.7 holding `keys` and their certificates, and `keyHistory` when given. */
async function cardHolding(keys: readonly CardKey[], keyHistory?: Uint8Array): Promise<CardState> {
  const state = await blankCard();
  for (const {slot, algorithm, pinPolicy, privateKey, certificate} of keys) {
    state.keys.set(slot, {
      algorithm,
      pinPolicy,
      touchPolicy: TouchPolicy.Never,
      origin: KeyOrigin.Generated,
      privateKey,
    });
    state.objects.set(objectIdForSlot(slot), encodeCertificateObject(certificate));
  }
  if (keyHistory) state.objects.set(ObjectId.KeyHistory, keyHistory);
  return state;
}

describeWithPcscd(
  'OpenSC reads and signs with the virtual card',
  () => {
    let pcscd: PrivatePcscd;
    let workspace: ToolWorkspace;
    let recorder: HeaderRecorder;
    const bridges: VpcdBridge[] = [];

    beforeAll(async () => {
      pcscd = await startPrivatePcscd();
      workspace = await createToolWorkspace(pcscd);
      const issuer = await createCertificateAuthority({
        name: [{type: 'commonName', value: 'Conformance Test CA'}],
        keyAlgorithm: 'ecc-p256',
        notBefore: new Date(Date.now() - 60_000),
        notAfter: new Date(Date.now() + 86_400_000),
      });
      const keys = await Promise.all([
        cardKey(issuer, Slot.Authentication, Algorithm.EccP256, PinPolicy.Once),
        cardKey(issuer, Slot.Signature, Algorithm.Rsa2048, PinPolicy.Always),
        cardKey(issuer, RETIRED_SLOT, Algorithm.EccP256, PinPolicy.Once),
      ]);
      const withHistory = new VirtualPivCard({
        state: await cardHolding(keys, KEY_HISTORY_ONE_ON_CARD),
        timing: INSTANT_TIMING,
      });
      const withoutHistory = new VirtualPivCard({state: await cardHolding(keys), timing: INSTANT_TIMING});
      recorder = new HeaderRecorder(withHistory);
      bridges.push(await insertCard(pcscd, recorder, 0));
      bridges.push(await insertCard(pcscd, withoutHistory, 1));
    });

    afterAll(async () => {
      for (const bridge of bridges) await bridge.close();
      await pcscd?.stop();
      await workspace?.remove();
    });

    function tool(command: string, args: readonly string[]): Promise<ToolResult> {
      return runTool(command, args, {env: workspace.env, cwd: workspace.directory});
    }

    /** pkcs15-tool on reader slot `slot`. */
    function pkcs15(args: readonly string[], slot: 0 | 1 = 0): Promise<ToolResult> {
      return tool('pkcs15-tool', ['--reader', String(slot), ...args]);
    }

    /** Signs `data.txt` with the key of PKCS#15 id `id` through opensc-pkcs11.so, into `signatureFile`. */
    function sign(id: string, mechanism: string, signatureFile: string): Promise<ToolResult> {
      return tool('pkcs11-tool', [
        ...['--module', OPENSC_PKCS11_MODULE, '--slot-index', '0', '--login', '--pin', DEFAULT_PIN],
        ...['--sign', '--id', id, '--mechanism', mechanism, '--signature-format', 'openssl'],
        ...['--input-file', 'data.txt', '--output-file', signatureFile],
      ]);
    }

    /** openssl's judgement of `signatureFile` over data.txt with the public key of the certificate pkcs15-tool reads. */
    async function verifyWithCardCertificate(id: string, signatureFile: string): Promise<ToolResult> {
      const certificate = await pkcs15(['--read-certificate', id, '--output', `certificate-${id}.pem`]);
      expect(certificate.code, certificate.stderr).toBe(0);
      const publicKey = await tool('openssl', [
        ...['x509', '-in', `certificate-${id}.pem`, '-pubkey', '-noout', '-out', `public-${id}.pem`],
      ]);
      expect(publicKey.code, publicKey.stderr).toBe(0);
      return tool('openssl', [
        ...['dgst', '-sha256', '-verify', `public-${id}.pem`, '-signature', signatureFile, 'data.txt'],
      ]);
    }

    it('lists the certificates, private keys, PIN and PUK of the card (pkcs15-tool)', async () => {
      const result = await pkcs15(['--list-certificates', '--list-keys', '--list-pins']);

      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain('X.509 Certificate [Certificate for PIV Authentication]');
      expect(result.stdout).toContain('X.509 Certificate [Certificate for Digital Signature]');
      expect(result.stdout).toMatch(/Private EC Key \[PIV AUTH key\][^]*?Key ref\s+: 154 \(0x9A\)/);
      expect(result.stdout).toMatch(
        /Private RSA Key \[SIGN key\][^]*?ModLength\s+: 2048[^]*?Key ref\s+: 156 \(0x9C\)/,
      );
      expect(result.stdout).toMatch(/PIN \[PIN\][^]*?Reference\s+: 128 \(0x80\)/);
      expect(result.stdout).toMatch(/PIN \[PIV PUK\][^]*?Reference\s+: 129 \(0x81\)/);
    });

    it('shows the certificate and key of a retired slot only once Key History counts them (pkcs15-tool)', async () => {
      const counted = await pkcs15(['--list-certificates', '--list-keys'], 0);
      const uncounted = await pkcs15(['--list-certificates', '--list-keys'], 1);

      expect(counted.stdout).toContain('X.509 Certificate [Retired Certificate for Key Management 1]');
      expect(counted.stdout).toMatch(/Key ref\s+: 130 \(0x82\)/);
      expect(uncounted.code, uncounted.stderr).toBe(0);
      expect(uncounted.stdout).toContain('X.509 Certificate [Certificate for PIV Authentication]');
      expect(uncounted.stdout).not.toContain('Retired');
      expect(uncounted.stdout).not.toMatch(/Key ref\s+: 130/);
    });

    it('signs with the 9A key (ECDSA P-256), and openssl verifies the signature with the 9A certificate (pkcs11-tool)', async () => {
      writeFileSync(workspace.path('data.txt'), 'Authentication by the 9A key\n');

      const signed = await sign('01', 'ECDSA-SHA256', 'signature-9a.der');
      const verified = await verifyWithCardCertificate('01', 'signature-9a.der');

      expect(signed.code, signed.stderr).toBe(0);
      expect(verified.stdout.trim()).toBe('Verified OK');
    });

    it('signs with the 9C key (RSA PKCS#1 v1.5) after a fresh VERIFY, and openssl verifies the signature with the 9C certificate (pkcs11-tool)', async () => {
      writeFileSync(workspace.path('data.txt'), 'Signature by the 9C key\n');
      const mark = recorder.headers.length;

      const signed = await sign('02', 'SHA256-RSA-PKCS', 'signature-9c.bin');
      const headers = recorder.since(mark);
      const verified = await verifyWithCardCertificate('02', 'signature-9c.bin');

      expect(signed.code, signed.stderr).toBe(0);
      expect(verified.stdout.trim()).toBe('Verified OK');
      // 9C is PIN-always (context-specific login in PKCS#11): the PIN goes to the card again right before it signs.
      const signature = headers.findIndex(
        ({ins, p2}) => ins === INS_GENERAL_AUTHENTICATE && p2 === Slot.Signature,
      );
      const verifies = headers.filter(({ins, length}) => ins === INS_VERIFY && length === 13);
      expect(signature).toBeGreaterThan(0);
      expect(verifies.length).toBeGreaterThanOrEqual(2);
      expect(headers[signature - 1]).toMatchObject({ins: INS_VERIFY, p2: 0x80, length: 13});
    });
  },
  ['pkcs15-tool', 'pkcs11-tool', 'opensc-tool', 'openssl'],
);
