import {describe, expect, it, vi} from 'vitest';
import {DeferredEngine} from '../../source/cli/deferred-engine.js';
import {InProcessReaders} from '../../source/upgrade/adapters/in-process-readers.js';
import {openPivCard} from '../../source/upgrade/adapters/piv-card.js';
import {UpgradeEngine} from '../../source/upgrade/engine.js';
import type {ServicePort} from '../../source/upgrade/ports.js';
import {initialState} from '../../source/upgrade/state.js';

const noService: ServicePort = {beginLogin: () => Promise.reject(new Error('no service in this test'))};

function engine(): UpgradeEngine {
  return new UpgradeEngine({
    readers: new InProcessReaders((transport) => openPivCard(transport), ['Reader A']),
    service: noService,
    clock: {now: () => Date.now(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms))},
    random: {bytes: (length) => new Uint8Array(length)},
    log: {write: () => undefined},
    trustAnchors: [],
    language: 'sv',
  });
}

describe('DeferredEngine', () => {
  it('shows the initial state until the engine is ready', () => {
    const deferred = new DeferredEngine();
    expect(deferred.getState()).toBe(initialState);
    deferred.cancel();
    expect(deferred.getState()).toBe(initialState);
  });

  it('runs a start pressed before the engine was ready, and moves its listeners to it', async () => {
    const deferred = new DeferredEngine();
    const listener = vi.fn();
    deferred.subscribe(listener);
    deferred.start();
    const real = engine();
    deferred.ready(real);
    expect(listener).toHaveBeenCalled();
    await vi.waitFor(() =>
      expect(deferred.getState()).toMatchObject({type: 'waiting-for-card', readers: [{name: 'Reader A'}]}),
    );
    expect(deferred.getState()).toBe(real.getState());
    await real.dispose();
  });

  it('stops telling a listener that unsubscribed before the engine was ready', async () => {
    const deferred = new DeferredEngine();
    const listener = vi.fn();
    deferred.subscribe(listener)();
    const real = engine();
    deferred.ready(real);
    real.start();
    await vi.waitFor(() => expect(real.getState().type).toBe('waiting-for-card'));
    expect(listener).not.toHaveBeenCalled();
    await real.dispose();
  });

  it('zeroes a PIN that comes before the engine', () => {
    const pin = new TextEncoder().encode('123456');
    new DeferredEngine().submitPin(pin);
    expect([...pin]).toEqual([0, 0, 0, 0, 0, 0]);
  });
});
