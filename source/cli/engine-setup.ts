import type {SimulatedCard} from '../card/virtual/simulate.js';
import type {Language} from '../screens/i18n/catalogue.js';
import {PcscCardReaders} from '../upgrade/adapters/pcsc-readers.js';
import {UpgradeEngine} from '../upgrade/engine.js';
import type {EngineDeps, ServicePort} from '../upgrade/ports.js';
import {startDemo} from './demo.js';
import {CliError} from './errors.js';
import {
  fetchIssuingAuthorities,
  openSupportLog,
  readCertificates,
  realPorts,
  supportLogPath,
  systemClock,
  systemRandom,
} from './system-ports.js';

/**
 * Assembles the engine and everything it runs on. Loaded after the first frame is on screen (this module pulls in
 * the service, the card and PKI code), so the welcome screen does not wait for it.
 */

/** Where the card and the service come from. */
export type EngineSource =
  /** npm start: an in-process virtual card and the reference service on loopback. */
  | {
      readonly kind: 'demo';
      readonly card: SimulatedCard;
      readonly directory: string;
      readonly cardStateFile?: string;
      /** Seeds the card's timing draws, so that two runs take the same key generation times. */
      readonly timingSeed?: number;
    }
  /** A real reader and the configured upgrade service. */
  | {readonly kind: 'service'; readonly serviceUrl: string; readonly serviceCaPath: string}
  /**
   * status, test, pin: a real reader; the CA file, when set, tells the new certificates from the old. With a
   * service too, the issuing CAs come from it (GET /v1/authorities), checked against the CA file's root.
   */
  | {readonly kind: 'card-only'; readonly serviceCaPath?: string; readonly serviceUrl?: string};

export interface AssembledEngine {
  readonly engine: UpgradeEngine;
  /** The support log file, when it could be opened. */
  readonly supportLogPath?: string;
  /** Disposes of the engine (zeroes the PIN, closes the card), then stops what it ran on. */
  close(): Promise<void>;
}

/** The service port of commands that need none: reaching it is a setup error. */
const noService: ServicePort = {
  beginLogin: () => Promise.reject(new CliError('no-service', 'no upgrade service is configured')),
};

/**
 * Throws CliError 'setting-invalid' (CA file); UpgradeError 'service-chain-untrusted', 'service-unreachable',
 * 'service-tls', 'service-error', 'service-refused' (the issuing CAs of status and test); what the demo's setup
 * throws.
 */
export async function assembleEngine(
  source: EngineSource,
  options: {
    readonly language: Language;
    readonly preferredReader?: string;
    /** Adds the redacted APDUs to the support log. */
    readonly isTracing?: boolean;
    readonly env: {readonly XDG_STATE_HOME?: string};
  },
): Promise<AssembledEngine> {
  const supportLog = openSupportLog(supportLogPath(options.env));
  const trace = options.isTracing === true ? supportLog.apduTrace : undefined;
  let ports: Pick<EngineDeps, 'readers' | 'service' | 'trustAnchors' | 'intermediates'>;
  let stop: () => Promise<void>;
  try {
    switch (source.kind) {
      case 'demo': {
        const demo = await startDemo((ms) => systemClock.sleep(ms), {...source, trace});
        ports = demo.deps;
        stop = () => demo.close();
        break;
      }
      case 'service': {
        const real = realPorts({...source, trace});
        ports = real;
        stop = () => real.close();
        break;
      }
      case 'card-only': {
        const trustAnchors = source.serviceCaPath === undefined ? [] : readCertificates(source.serviceCaPath);
        const intermediates =
          source.serviceUrl === undefined
            ? []
            : await fetchIssuingAuthorities(source.serviceUrl, trustAnchors);
        const readers = new PcscCardReaders({trace});
        ports = {readers, service: noService, trustAnchors, intermediates};
        stop = () => readers.close();
        break;
      }
    }
  } catch (error) {
    supportLog.close();
    throw error;
  }
  const engine = new UpgradeEngine({
    ...ports,
    clock: systemClock,
    random: systemRandom,
    log: supportLog.log,
    language: options.language,
    preferredReader: options.preferredReader,
  });
  return {
    engine,
    supportLogPath: supportLog.path,
    async close() {
      await engine.dispose().catch(() => undefined);
      await stop().catch(() => undefined);
      supportLog.close();
    },
  };
}
