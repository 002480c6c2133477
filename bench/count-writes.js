// Preloaded by `npm run bench` (node --import ./bench/count-writes.js dist/cli.js): counts the program's own
// writes to standard output, each with its time and size, and saves them with the process's peak resident memory
// (maxRSS, KiB) to $SITHS_BENCH_WRITES when it exits.
import {Buffer} from 'node:buffer';
import {writeFileSync} from 'node:fs';
import process from 'node:process';

const path = process.env['SITHS_BENCH_WRITES'];
const writes = [];
const write = process.stdout.write;
process.stdout.write = function (chunk, ...rest) {
  writes.push([Date.now(), typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length]);
  return write.call(this, chunk, ...rest);
};
if (path !== undefined)
  process.on('exit', () =>
    writeFileSync(path, JSON.stringify({writes, maxRssKiB: process.resourceUsage().maxRSS})),
  );
