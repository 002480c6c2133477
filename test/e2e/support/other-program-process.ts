import {createInterface} from 'node:readline';
import {PcscReaders} from '../../../source/apdu/transports/pcsc.js';

/**
 * Another PC/SC client, in a process of its own as a middleware or a browser with a PKCS#11 module would be, for
 * the fault tests. argv: the reader's name, then what it does:
 * - `poll`: stays connected SHARED and, over and over, takes a short transaction that reads the card's CHUID
 *   (GET DATA 5FC102, changing nothing on the card) and lets go; prints `polled N` after each turn.
 * - `hold APDU-HEX`: sends the command, prints `sent`, and waits for the answer (the test kills it meanwhile).
 * - `reset`: for each line on stdin, connects SHARED, reads the CHUID in a transaction and disconnects resetting
 *   the card (SCARD_RESET_CARD), as yubico-piv-tool and many middlewares do; prints `reset N` after each.
 * PCSCLITE_CSOCK_NAME in its environment names the private pcscd.
 */
const [readerName = '', mode = 'poll', apduHex = ''] = process.argv.slice(2);
const GET_CHUID = Uint8Array.from(Buffer.from('00CB3FFF055C035FC10200', 'hex'));
const pause = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

const readers = await PcscReaders.open();
if (mode === 'reset') {
  let turn = 0;
  process.stdout.write('ready\n');
  for await (const _ of createInterface({input: process.stdin})) {
    const transport = await readers.connect(readerName);
    await transport.exclusive(() => transport.transmit(GET_CHUID));
    await transport.close({reset: true});
    process.stdout.write(`reset ${++turn}\n`);
  }
  process.exit(0);
}
const transport = await readers.connect(readerName);
if (mode === 'hold') {
  const command = transport.transmit(Uint8Array.from(Buffer.from(apduHex, 'hex')));
  process.stdout.write('sent\n');
  await command;
} else {
  for (let turn = 1; ; turn++) {
    await transport.exclusive(async () => {
      await transport.transmit(GET_CHUID);
      await pause(20);
    });
    process.stdout.write(`polled ${turn}\n`);
    await pause(30);
  }
}
