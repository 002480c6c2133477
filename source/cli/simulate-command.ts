import {mkdirSync} from 'node:fs';
import {dirname, resolve} from 'node:path';
import {runSimulate, SIMULATED_HOLDER, type SimulatedOldSithsInputs} from '../card/virtual/simulate.js';
import {deriveManagementKey} from '../pki/management-key.js';
import {loadServiceSettings, virtualCardAttestationRoot} from '../service/config.js';
import type {Command} from './arguments.js';
import {CliError} from './errors.js';
import {stateFilePath} from './settings-file.js';

/** The simulated card's default state file: $XDG_STATE_HOME/siths-upgrade/simulated-card.json. */
function defaultSimulatedCardPath(env: {readonly XDG_STATE_HOME?: string}): string {
  return stateFilePath(env, 'simulated-card.json');
}

/**
 * The old-siths inputs that make the simulated card upgradable against a reference service: a credential from the
 * service's old CA (the login anchor it holds a key for and does not issue new certificates with) and the
 * management key the service holds for the card (its fixed key, else derived from the master secret), and the
 * service's virtual card maker attestation root, so it accepts the card's key attestations.
 * Throws CliError 'setting-invalid' when the config has no such CA; ServiceSetupError from loading the config.
 */
async function oldSithsInputsFor(configPath: string): Promise<SimulatedOldSithsInputs> {
  const settings = await loadServiceSettings(configPath);
  const issuing = new Set(Object.values(settings.issuers));
  const old = settings.authorities.find(
    (authority) =>
      settings.loginTrustAnchors.includes(authority.id) &&
      !issuing.has(authority.id) &&
      authority.privateKey !== undefined,
  );
  if (old?.privateKey === undefined) throw new CliError('setting-invalid', `for-service ${configPath}`);
  const cardNumber = SIMULATED_HOLDER.cardNumber;
  return {
    issuer: {certificate: old.certificate, privateKey: old.privateKey},
    managementKey:
      settings.managementKeys.fixed.get(cardNumber) ??
      deriveManagementKey(settings.managementKeys.masterSecret, cardNumber),
    attestationRoot: virtualCardAttestationRoot(settings),
  };
}

/**
 * `siths-upgrade simulate`: the virtual card behind a vpcd reader until `signal` aborts (the CLI aborts it on
 * Ctrl+C, SIGTERM and SIGHUP, so the card's state is saved on the way out). Rejects as runSimulate does.
 */
export async function simulateCommand(
  command: Extract<Command, {kind: 'simulate'}>,
  env: {readonly XDG_STATE_HOME?: string},
  signal: AbortSignal,
): Promise<void> {
  const statePath = resolve(command.stateFile ?? defaultSimulatedCardPath(env));
  mkdirSync(dirname(statePath), {recursive: true, mode: 0o700});
  const oldSiths =
    command.serviceConfig === undefined ? undefined : await oldSithsInputsFor(resolve(command.serviceConfig));
  await runSimulate(
    {
      vpcd: command.vpcd,
      statePath,
      card: command.card,
      profile: command.profile,
      timing: command.timing,
      oldSiths,
    },
    {signal, stdout: process.stdout, stderr: process.stderr},
  );
}
