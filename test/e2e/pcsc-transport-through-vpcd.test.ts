import {execFile, spawn} from 'node:child_process';
import {createHash} from 'node:crypto';
import {promisify} from 'node:util';
import {afterAll, afterEach, beforeAll, expect, it, vi} from 'vitest';
import {ApduProtocol} from '../../source/apdu/protocol.js';
import {TransportError} from '../../source/apdu/transports/errors.js';
import {PcscReaders, type PcscTransport, type ReaderStatus} from '../../source/apdu/transports/pcsc.js';
import {connectVpcd, type VpcdBridge} from '../../source/card/virtual/vpcd.js';
import {
  ATR_T0,
  ATR_T1,
  ECHO_AID,
  EchoCard,
  INS_HOLD,
  INS_PUT_DATA,
  INS_READ_BINARY,
  INS_SELECT,
  LONG_RESPONSE_LENGTH,
  longResponseByte,
} from './support/echo-card.js';
import {describeWithPcscd, startPrivatePcscd, type PrivatePcscd} from './support/pcscd.js';

const run = promisify(execFile);
const OTHER_PROGRAM_ENTRY = new URL('support/other-program-process.ts', import.meta.url).pathname;
const WAIT = {timeout: 10_000, interval: 20};

const select = {cla: 0x00, ins: INS_SELECT, p1: 0x04, p2: 0x00, data: ECHO_AID} as const;
const readLong = {cla: 0x00, ins: INS_READ_BINARY, p1: 0x00, p2: 0x00, le: 256} as const;
const hold = Uint8Array.of(0x80, INS_HOLD, 0x00, 0x00);

describeWithPcscd(
  'the PC/SC transport through a private pcscd and the vpcd reader',
  () => {
    let pcscd: PrivatePcscd;
    let readers: PcscReaders;
    const cleanups: Array<() => Promise<void> | void> = [];

    beforeAll(async () => {
      pcscd = await startPrivatePcscd();
      // libpcsclite reads the socket name once, at this process's first PC/SC context.
      process.env.PCSCLITE_CSOCK_NAME = pcscd.socketPath;
      readers = await PcscReaders.open({busyTimeoutMs: 300});
    });

    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
      // Every test starts with both slots empty.
      await vi.waitFor(
        async () => expect((await readers.list()).some((reader) => reader.hasCard)).toBe(false),
        WAIT,
      );
    });

    afterAll(async () => {
      readers?.close();
      await pcscd?.stop();
    });

    /** Puts `card` into slot 0 or 1 and waits until PC/SC sees it. */
    async function insert(card: EchoCard, slot: 0 | 1 = 0): Promise<VpcdBridge> {
      const bridge = connectVpcd({card, port: pcscd.port + slot, retryDelayMs: 50});
      cleanups.push(() => bridge.close());
      await waitForCard(slot, true);
      return bridge;
    }

    async function waitForCard(slot: 0 | 1, hasCard: boolean): Promise<void> {
      const name = pcscd.readerNames[slot];
      await vi.waitFor(async () => {
        expect((await readers.list()).find((reader) => reader.name === name)?.hasCard).toBe(hasCard);
      }, WAIT);
    }

    async function connect(slot: 0 | 1 = 0, from: PcscReaders = readers): Promise<PcscTransport> {
      const transport = await from.connect(pcscd.readerNames[slot]);
      cleanups.push(() => transport.close());
      return transport;
    }

    it('lists both vpcd slots, and opensc-tool lists the same reader with the card in it', async () => {
      await insert(new EchoCard());

      expect(await readers.list()).toEqual([
        {name: pcscd.readerNames[0], hasCard: true, atr: ATR_T1},
        {name: pcscd.readerNames[1], hasCard: false, atr: new Uint8Array()},
      ]);
      const {stdout} = await run('opensc-tool', ['--list-readers'], {env: pcscd.env});
      expect(stdout).toMatch(new RegExp(`^0\\s+Yes\\s+${pcscd.readerNames[0]}$`, 'm'));
      expect(stdout).toMatch(new RegExp(`^1\\s+No\\s+${pcscd.readerNames[1]}$`, 'm'));
    });

    it('tells a watcher when a card is inserted and when it is removed', async () => {
      const seen: Array<readonly ReaderStatus[]> = [];
      const stop = readers.watch(
        (now) => seen.push(now),
        (error) => expect.fail(`watch failed: ${error.message}`),
      );
      cleanups.push(stop);
      await vi.waitFor(
        () => expect(seen.at(-1)?.map((reader) => reader.name)).toEqual(pcscd.readerNames),
        WAIT,
      );

      const bridge = await insert(new EchoCard(), 1);
      await vi.waitFor(
        () => expect(seen.at(-1)?.[1]).toEqual({name: pcscd.readerNames[1], hasCard: true, atr: ATR_T1}),
        WAIT,
      );
      bridge.eject();
      await vi.waitFor(() => expect(seen.at(-1)?.[1]?.hasCard).toBe(false), WAIT);

      const slot1 = seen.map((now) => now[1]?.hasCard);
      expect(slot1.indexOf(true)).toBeGreaterThan(slot1.indexOf(false));
      expect(slot1.lastIndexOf(false)).toBeGreaterThan(slot1.indexOf(true));
    });

    it('carries a 600-byte response through GET RESPONSE and a 600-byte command through chaining', async () => {
      const card = new EchoCard();
      await insert(card);
      const trace: string[] = [];
      const protocol = new ApduProtocol(await connect(), {trace: (line) => trace.push(line)});

      await protocol.send(select);
      const response = await protocol.send(readLong);
      const data = Uint8Array.from({length: LONG_RESPONSE_LENGTH}, (_, i) => (i * 13) & 0xff);
      const digest = await protocol.send({cla: 0x00, ins: INS_PUT_DATA, p1: 0x3f, p2: 0xff, data, le: 256});

      expect(response).toEqual(
        Uint8Array.from({length: LONG_RESPONSE_LENGTH}, (_, i) => longResponseByte(i)),
      );
      expect(Buffer.from(digest)).toEqual(createHash('sha256').update(data).digest());
      const commands = trace.filter((line) => line.startsWith('>')).map((line) => line.slice(2, 14));
      expect(commands).toEqual([
        '00 A4 04 00 ',
        '00 B0 00 00 ',
        '00 C0 00 00 ',
        '00 C0 00 00 ',
        '10 DA 3F FF ',
        '10 DA 3F FF ',
        '00 DA 3F FF ',
      ]);
      expect(trace.filter((line) => line.startsWith('<')).map((line) => line.slice(-5))).toEqual([
        '90 00',
        '61 00',
        '61 58',
        '90 00',
        '90 00',
        '90 00',
        '90 00',
      ]);
      expect(card.commands.map((apdu) => apdu.length)).toEqual([11, 5, 5, 5, 260, 260, 96]);
    });

    it('negotiates T=1 with a T=1 card and T=0 with a T=0 card', async () => {
      await insert(new EchoCard({atr: ATR_T1}), 0);
      await insert(new EchoCard({atr: ATR_T0}), 1);

      const t1 = await connect(0);
      const t0 = await connect(1);

      expect([t1.protocol, t1.atr]).toEqual(['T=1', ATR_T1]);
      expect([t0.protocol, t0.atr]).toEqual(['T=0', ATR_T0]);
      expect((await new ApduProtocol(t0).send(select)).length).toBe(0);
      expect((await new ApduProtocol(t0).send(readLong)).length).toBe(LONG_RESPONSE_LENGTH);
    });

    it('holds the card in a PC/SC transaction during a step: another program connected all along waits its turn', async () => {
      const card = new EchoCard();
      await insert(card);
      const transport = await connect();
      const protocol = new ApduProtocol(transport);
      await protocol.send(select);
      const resets = card.resets;
      const otherProgram = await PcscReaders.open({busyTimeoutMs: 10_000});
      cleanups.push(() => otherProgram.close());
      const other = await connect(0, otherProgram);

      const {theirs} = await transport.exclusive(async () => {
        const waiting = new ApduProtocol(other).send(readLong);
        // Time for their command to reach pcscd, which must hold it back until this step ends.
        await new Promise((resolve) => setTimeout(resolve, 150));
        await protocol.send(readLong);
        await protocol.send(readLong);
        expect(card.commands.filter((apdu) => apdu[1] === INS_READ_BINARY)).toHaveLength(2);
        // Wrapped: the step returning their promise itself would wait for it, inside the transaction it holds up.
        return {theirs: waiting};
      });

      expect((await theirs).length).toBe(LONG_RESPONSE_LENGTH);
      expect(card.commands.filter((apdu) => apdu[1] === INS_READ_BINARY)).toHaveLength(3);
      // The card kept its state (still selected, never reset) with another program connected the whole time.
      expect(card.resets).toBe(resets);
      expect(await transport.exclusive(async () => (await protocol.send(readLong)).length)).toBe(
        LONG_RESPONSE_LENGTH,
      );
    });

    it("waits for another program's transaction, says reader-busy with how long it waited, and goes on after", async () => {
      const card = new EchoCard();
      await insert(card);
      const transport = await connect();
      const protocol = new ApduProtocol(transport);
      await protocol.send(select);
      const otherProgram = await PcscReaders.open();
      cleanups.push(() => otherProgram.close());
      const other = await connect(0, otherProgram);
      let release = (): void => undefined;
      let isHolding = false;
      const held = other.exclusive(
        () =>
          new Promise<void>((resolve) => {
            isHolding = true;
            release = resolve;
          }),
      );
      await vi.waitFor(() => expect(isHolding).toBe(true), WAIT);

      const busy = await protocol.send(readLong).catch((error: unknown) => error);

      expect(busy).toMatchObject({name: 'TransportError', code: 'reader-busy'});
      expect((busy as TransportError).message).toMatch(/held the card .* for 0\.3 s/);
      expect((busy as TransportError).message).toMatch(/pcscd does not say which program/);
      release();
      await held;
      expect((await protocol.send(readLong)).length).toBe(LONG_RESPONSE_LENGTH);
    });

    it("waits for the card while a killed program's long command still runs (a key generation), then goes on", async () => {
      const card = new EchoCard();
      await insert(card);
      const other = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          OTHER_PROGRAM_ENTRY,
          pcscd.readerNames[0],
          'hold',
          Buffer.from(hold).toString('hex'),
        ],
        {env: pcscd.env, stdio: ['ignore', 'pipe', 'pipe']},
      );
      const exited = new Promise((resolve) => other.once('exit', resolve));
      await vi.waitFor(() => expect(card.isHolding).toBe(true), WAIT);
      other.kill('SIGKILL');
      await exited;
      const patient = await PcscReaders.open();
      cleanups.push(() => patient.close());

      const connecting = patient.connect(pcscd.readerNames[0]);
      // The card works on for the dead program longer than this tool once waited (5 s) before saying reader-busy.
      await new Promise((resolve) => setTimeout(resolve, 6000));
      card.releaseHold();
      const transport = await connecting;
      cleanups.push(() => transport.close());

      const protocol = new ApduProtocol(transport);
      await protocol.send(select);
      expect((await protocol.send(readLong)).length).toBe(LONG_RESPONSE_LENGTH);
    }, 20_000);

    it('reports a card removed in the middle of a command as card-removed, and reconnects once it is back', async () => {
      const card = new EchoCard();
      const bridge = await insert(card);
      const transport = await connect();
      const protocol = new ApduProtocol(transport);
      await protocol.send(select);

      const torn = transport.transmit(hold).catch((error: unknown) => error);
      await vi.waitFor(() => expect(card.isHolding).toBe(true), WAIT);
      bridge.eject();

      expect(await torn).toBeInstanceOf(TransportError);
      expect(await torn).toMatchObject({code: 'card-removed'});
      await expect(protocol.send(readLong)).rejects.toMatchObject({code: 'card-removed'});
      await waitForCard(0, false);
      await expect(transport.reconnect()).rejects.toMatchObject({code: 'no-card'});
      bridge.insert();
      await waitForCard(0, true);
      await transport.reconnect();
      // A re-inserted card starts afresh: the caller selects (and verifies) again.
      expect((await protocol.transmit(readLong)).sw).toBe(0x6982);
      await protocol.send(select);
      expect((await protocol.send(readLong)).length).toBe(LONG_RESPONSE_LENGTH);
    });

    it('reports a reset by another program as card-reset, and needs a new SELECT after reconnecting', async () => {
      const card = new EchoCard();
      await insert(card);
      const transport = await connect();
      const protocol = new ApduProtocol(transport);
      await protocol.send(select);

      await run('opensc-tool', ['--reader', '0', '--reset'], {env: pcscd.env});

      await expect(protocol.send(readLong)).rejects.toMatchObject({code: 'card-reset'});
      await transport.reconnect();
      expect((await protocol.transmit(readLong)).sw).toBe(0x6982);
      await protocol.send(select);
      expect((await protocol.send(readLong)).length).toBe(LONG_RESPONSE_LENGTH);
    });

    it('refuses an empty reader with no-card and an unknown reader with no-reader', async () => {
      await expect(readers.connect(pcscd.readerNames[1])).rejects.toMatchObject({code: 'no-card'});
      await expect(readers.connect('No Such Reader 00 00')).rejects.toMatchObject({code: 'no-reader'});
    });

    // Last: it stops and restarts this file's pcscd.
    it('reports pcscd going away, and the reader and its card coming back when pcscd restarts', async () => {
      const card = new EchoCard();
      const bridge = await insert(card);
      const transport = await connect();
      const seen: Array<readonly ReaderStatus[]> = [];
      const errors: TransportError[] = [];
      cleanups.push(
        readers.watch(
          (now) => seen.push(now),
          (error) => errors.push(error),
        ),
      );
      await vi.waitFor(() => expect(seen.at(-1)?.[0]?.hasCard).toBe(true), WAIT);

      await pcscd.killDaemon();

      await vi.waitFor(() => expect(errors.map((error) => error.code)).toContain('pcscd-not-running'), WAIT);
      await expect(transport.transmit(hold)).rejects.toMatchObject({code: 'pcscd-not-running'});
      await expect(readers.list()).rejects.toMatchObject({code: 'pcscd-not-running'});
      await vi.waitFor(() => expect(bridge.state).toBe('connecting'), WAIT);
      const snapshotsBefore = seen.length;

      await pcscd.restartDaemon();

      // The watcher finds pcscd again and the vpcd bridge puts the card back in by itself.
      await vi.waitFor(() => expect(seen.slice(snapshotsBefore).at(-1)?.[0]?.hasCard).toBe(true), WAIT);
      expect(bridge.state).toBe('inserted');
      const again = await connect();
      await new ApduProtocol(again).send(select);
      expect((await new ApduProtocol(again).send(readLong)).length).toBe(LONG_RESPONSE_LENGTH);
    });
  },
  ['opensc-tool'],
);
