import {loadServiceSettings} from './config.js';
import {startService, type RunningService} from './start.js';

/**
 * `siths-upgrade serve --config FILE`: loads the config and every file it names, and serves HTTPS on the
 * configured address until `close()` (the CLI closes on SIGINT/SIGTERM), logging each request to stdout as a
 * JSON line. `serve --init DIR` is
 * `createDemoSetup` (source/service/demo-setup.ts).
 * Throws ServiceSetupError ('config-unreadable', 'config-invalid', 'authority-invalid', 'store-failed').
 */
export async function serve(options: {configPath: string}): Promise<RunningService> {
  return startService({config: await loadServiceSettings(options.configPath), log: process.stdout});
}
