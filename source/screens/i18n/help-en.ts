import type {HelpTexts} from './catalogue.js';

const exitCodes = `Exit codes:
  0    done (status: the card is upgraded)
  1    the operation failed (see the message)
  2    bad arguments, an unknown command or a broken settings file
  3    the reader: no reader, pcscd not running, pcsc-lite missing or access denied
  4    PIN or PUK: wrong code, blocked or wrong format
  5    the upgrade service: unreachable, wrong TLS certificate, issuing CAs not under --service-ca,
       refused or answered wrongly
  6    the card: removed, changed, not a PIV card, already a new SITHS eID card, no SITHS certificates
       (status too), no login certificate or full
  10   status, test: the card works but needs the upgrade
  70   internal error (see the support log)
  130  interrupted (Ctrl+C), 129 terminal closed, 143 terminated (SIGTERM)`;

const commonFlags = `  --reader <name>      use this card reader (part of the name is enough)
  --service <url>      the upgrade service's address (https://...)
  --service-ca <file>  the service's root CA certificate (PEM): the TLS connection must chain to it;
                       status and test fetch the issuing CAs from the service and check them against it
                       (without --service, give a bundle of the root and the issuing CAs)
  --lang sv|en         language (default: from LANG, else Swedish)
  --plain              plain lines without cursor movement (screen readers, logs, no terminal)
  --ascii              ASCII instead of line drawing and symbols
  --no-color           no colours (as NO_COLOR)
  --trace              add the card's commands (PIN codes and keys hidden) to the support log
  -h, --help           show this help`;

/**
 * The command line's help in English (the catalogue's `cli.help`), in a module of its own: `--help` answers
 * from it without loading the catalogue, the screens or the engine (source/cli.tsx).
 */
export const helpEn: HelpTexts = {
  main: `siths-upgrade - upgrade the certificates on your SITHS card

Usage:
  siths-upgrade [flags]                 full screen: the ten steps (default)
  siths-upgrade --demo                  demo: virtual card, local service with a demo CA (npm start)
  siths-upgrade status [--json]         show the card's status
  siths-upgrade test                    test the e-id (the card signs, the signature is checked)
  siths-upgrade pin change|unblock      change the PIN, or unblock it with the PUK
  siths-upgrade config [list|get|set|unset]  settings
  siths-upgrade serve --config <file>   run the reference service (serve --init <dir> makes one)
  siths-upgrade simulate                a virtual card behind a vpcd reader

Flags:
${commonFlags}
  --demo               the demo mode above
  --card siths-eid|piv the demo's card: the two-PIN SITHS card (default) or a PIV card
  -v, --version        show the version

Without --service and without a configured service, the demo runs.
PINs and PUKs are never taken from arguments or the environment; the program asks for them.
Environment: LANG picks the language, NO_COLOR turns colours off, TERM=dumb, CI or --plain gives plain lines,
SITHS_TRACE=1 does what --trace does.

${exitCodes}`,
  status: `siths-upgrade status [--json] [flags]

Reads the card and shows the holder, HSA-id, card number, the certificates and their validity, and
whether the card is already upgraded. Needs no PIN and no service.
  --json               write the status as JSON

${commonFlags}

${exitCodes}`,
  test: `siths-upgrade test [flags]

Tests the e-id: asks for the PIN, has the card sign a random challenge and checks the signature
with the card's certificate and against the trusted issuer. A card with two PINs signs with both
keys: first with the authentication PIN, then with the signature PIN.

${commonFlags}

${exitCodes}`,
  pin: `siths-upgrade pin change|unblock [flags]

  change     change the PIN: the current one, then the new one twice
  unblock    unblock a blocked PIN with the PUK and choose a new PIN
On a card with two PINs you choose which first: 1 authentication PIN, 2 signature PIN.
The codes are read from the terminal (hidden) or, without a terminal, one a line from standard input
(the choice too).

${commonFlags}

${exitCodes}`,
  config: `siths-upgrade config [list | get <key> | set <key> <value> | unset <key>]

Keys:
  service      the upgrade service's address (https://...)
  service-ca   path to the service's CA certificate (PEM)
  lang         sv or en
  reader       preferred card reader (part of the name is enough)
Flags on the command line override the settings.

${exitCodes}`,
  serve: `siths-upgrade serve --config <file> | --init <dir>
siths-upgrade serve report --config <file> [--json | --csv]

  --config <file>      run the reference service with this configuration
  --init <dir>         write a demo configuration (CA, TLS, directory, terms) to the directory
Stop it with Ctrl+C.

  report               how far the upgrade is, from the store and the directory of the configuration (it
                       applies a pending migration, as serve would, then only reads; running services go on):
                       per organisation the cards, those received, those upgraded (completed at least once)
                       and those still old; the cards first upgraded per UTC day; the refused requests by code
                       and per day; the received cards not yet upgraded (HSA-id, name, organisation, card
                       number). A table, or:
  --json               one JSON document: organisations, days, refusals {byCode, byDay}, notUpgraded
  --csv                CSV (RFC 4180, CRLF line ends), one section per part named as in the JSON
                       (organisations, days, refusalsByCode, refusalsByDay, notUpgraded): a line with the
                       name, a header line, the rows; an empty line between sections

${exitCodes}`,
  simulate: `siths-upgrade simulate [--state <file>] [--vpcd <host:port>] [--card piv|siths-eid]
                       [--profile old-siths|blank] [--timing realistic|instant] [--for-service <config.json>]

Puts a virtual SITHS card behind a vpcd reader (pcscd with vsmartcard-vpcd), so every PC/SC
program sees it: this tool, OpenSC, yubico-piv-tool.
  --state <file>         the card's state; made when missing (default in $XDG_STATE_HOME/siths-upgrade)
  --vpcd <host:port>     the vpcd reader's address (default 127.0.0.1:35963)
  --card <card>          piv: a PIV card with one PIN (default); siths-eid: the SITHS card staff hold,
                         Setec EID with PKCS#15 and two PINs; an existing state file keeps its card
  --profile <profile>    old-siths: a card with old certificates (default); blank: without certificates
  --timing <timing>      realistic: as slow as a real card (default); instant: no waiting
  --for-service <file>   the reference service's config.json: the card's certificates from the service's
                         old CA and the management key the service holds for it, so the card can be upgraded
The PIN of a new PIV card: 123456. A new siths-eid card: Pinkod för Legitimering 123456,
Pinkod för Underskrift 654321, PUK 12345678. Stop it with Ctrl+C.

${exitCodes}`,
};
