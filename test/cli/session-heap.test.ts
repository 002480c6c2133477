import {execFileSync} from 'node:child_process';
import {describe, expect, it} from 'vitest';

/**
 * The first word that `body` prints, run as a module in a process of its own after keepSessionHeapSmall(argv),
 * as the entry calls it.
 */
function afterSessionHeap(argv: readonly string[], body: string, nodeFlags: readonly string[] = []): string {
  const script = `
    import {keepSessionHeapSmall} from './source/cli/session-heap.ts';
    keepSessionHeapSmall(${JSON.stringify(argv)});
    ${body}`;
  const output = execFileSync(
    process.execPath,
    [...nodeFlags, '--import', 'tsx', '--input-type=module', '-e', script],
    {encoding: 'utf8'},
  );
  return output.split(' ')[0]!;
}

/** The size of V8's new space (MB) after short-lived garbage such as drawing frames makes. */
function newSpaceMbAfterGarbage(argv: readonly string[]): number {
  const body = `
    const {getHeapSpaceStatistics} = await import('node:v8');
    let kept;
    for (let frame = 0; frame < 60; frame++) {
      const cells = [];
      for (let cell = 0; cell < 20000; cell++) cells.push({cell, text: 'cell' + cell});
      kept = cells;
      await new Promise((resolve) => setImmediate(resolve));
    }
    const space = getHeapSpaceStatistics().find(({space_name}) => space_name === 'new_space');
    console.log(space.space_size / 1048576, kept.length);`;
  return Number(afterSessionHeap(argv, body));
}

/**
 * The same with 20 MB that stays live and frames that each live for ten frames (so they outlive a small young
 * generation): the largest heap (MB) seen over two seconds.
 */
function peakHeapMbWithLiveData(argv: readonly string[]): number {
  const body = `
    const live = [];
    for (let index = 0; index < 200000; index++) live.push({index, text: 'live' + index, pair: [index, index]});
    const recent = [];
    let peak = 0;
    for (const start = Date.now(); Date.now() - start < 2000; ) {
      const cells = [];
      for (let cell = 0; cell < 2000; cell++) cells.push({cell, text: 'cell' + cell, styles: [cell]});
      recent.push(cells);
      if (recent.length > 10) recent.shift();
      await new Promise((resolve) => setTimeout(resolve, 5));
      peak = Math.max(peak, process.memoryUsage().heapTotal);
    }
    console.log(peak / 1048576, live.length);`;
  return Number(afterSessionHeap(argv, body));
}

/** Whether V8 optimised (TurboFan) a function called three million times. */
function isHotFunctionOptimised(argv: readonly string[]): boolean {
  const body = `
    function hot(x) { return x * 2 + 1; }
    let sum = 0;
    for (let call = 0; call < 3e6; call++) sum += hot(call);
    // V8's optimisation status: bit 4 is "optimised".
    console.log((%GetOptimizationStatus(hot) & 16) !== 0, sum);`;
  return afterSessionHeap(argv, body, ['--allow-natives-syntax']) === 'true';
}

describe('keepSessionHeapSmall', () => {
  it('keeps the young generation at its first size in the terminal session, under garbage that grows it', () => {
    // The loader (tsx) grows it a little before the call; the session's stays there.
    expect(newSpaceMbAfterGarbage(['--demo'])).toBeLessThanOrEqual(4);
  });

  it('leaves V8 to grow it for other commands (the service) and for arguments that are refused', () => {
    expect(newSpaceMbAfterGarbage(['serve', '--config', 'config.json'])).toBeGreaterThanOrEqual(16);
    expect(newSpaceMbAfterGarbage(['--no-such-option'])).toBeGreaterThanOrEqual(16);
  });

  it('collects the old generation before it holds much more than is live', () => {
    const session = peakHeapMbWithLiveData(['--demo']);
    const service = peakHeapMbWithLiveData(['serve', '--config', 'config.json']);
    // Without --heap-growing-percent the session's heap would grow past the service's (its young generation is small).
    expect(session).toBeLessThan(service);
  });

  it('leaves hot functions to V8’s interpreter and baseline compiler in the session, not the service', () => {
    expect(isHotFunctionOptimised(['--demo'])).toBe(false);
    expect(isHotFunctionOptimised(['serve', '--config', 'config.json'])).toBe(true);
  });
});
