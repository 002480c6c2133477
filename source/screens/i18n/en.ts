import {Step} from '../../upgrade/state.js';
import {formatDate, formatDuration, type Catalogue} from './catalogue.js';
import {helpEn} from './help-en.js';

/** 'Signature PIN' -> 'signature PIN', inside a sentence. */
function lowerFirst(text: string): string {
  const words = String(text);
  return words.charAt(0).toLowerCase() + words.slice(1);
}

/** English: the alternative (--lang en). */
export const en: Catalogue = {
  language: 'en',
  app: {
    title: 'Upgrade SITHS card',
    demo: 'DEMO',
    tooSmall: (minimum, now) =>
      `The window is too small: make it at least ${minimum.columns} × ${minimum.rows} characters (now ${now.columns} × ${now.rows}).`,
  },
  header: {
    reader: (name) => `Reader: ${name}`,
    noReaderChosen: 'No reader chosen',
    cardStatus: {
      'no-reader': 'No card reader',
      waiting: 'Waiting for the card',
      reading: 'Reading the card',
      ready: 'Card inserted',
      'logged-in': 'Logged in',
      busy: 'Working: keep the card in',
      done: 'Done',
      failed: 'An error occurred',
    },
  },
  steps: {
    [Step.PrepareCodes]: {
      short: 'Have your PINs ready',
      title: 'Have your PIN codes ready (authentication and signature)',
    },
    [Step.InsertCard]: {short: 'Insert the card', title: 'Insert your SITHS card in the card reader'},
    [Step.LogIn]: {short: 'Log in', title: 'Log in with your card'},
    [Step.ChooseOperation]: {short: 'Choose Upgrade card', title: 'Choose Upgrade card'},
    [Step.AcceptTerms]: {
      short: 'Accept the terms',
      title: 'Read and accept the terms of your certificate',
    },
    [Step.DownloadStarted]: {
      short: 'Download starts',
      title: 'The download has started - do not remove the card',
    },
    [Step.GenerateRequests]: {short: 'Certificate requests', title: 'Generating certificate requests'},
    [Step.FetchAndInstall]: {short: 'Fetch and install', title: 'Fetching and installing certificates'},
    [Step.DeleteOld]: {short: 'Delete old ones', title: 'Deleting old certificates'},
    [Step.Done]: {
      short: 'Done',
      title: 'The certificates are downloaded and the upgrade is complete',
    },
  },
  stepMarks: {done: 'done', current: 'current', pending: 'pending'},
  keys: {
    continue: {key: 'Enter', label: 'Continue'},
    back: {key: 'Esc', label: 'Back'},
    quit: {key: 'q', label: 'Quit'},
    move: {key: 'Up/Down', label: 'Move'},
    choose: {key: 'Enter', label: 'Choose'},
    tick: {key: 'Space', label: 'Tick'},
    'start-download': {key: 'Enter', label: 'START DOWNLOAD'},
    scroll: {key: 'PgUp/PgDn', label: 'Scroll'},
    retry: {key: 'r', label: 'Try again'},
    menu: {key: 'Enter', label: 'To the menu'},
    'confirm-last-try': {key: 'Enter', label: 'Confirm the last try'},
    erase: {key: 'Backspace', label: 'Erase'},
    'cancel-upgrade': {key: 'Esc', label: 'Cancel safely'},
    'log-in': {key: 'Enter', label: 'Log in'},
    unblock: {key: 'Enter', label: 'Unblock with PUK'},
  },
  choiceList: {
    moreAbove: (count) => `${count} more above`,
    moreBelow: (count) => `${count} more below`,
  },
  welcome: {
    heading: 'Upgrade the certificates on your SITHS card',
    youNeed: 'You need:',
    needCard: 'Your SITHS card and a card reader',
    needPins: 'Your PIN codes: the authentication PIN and the signature PIN',
    pinsWhere: 'You find them in the PIN envelope you got with the card.',
    duration: 'The upgrade normally takes less than two minutes.',
    noPins:
      'If you do not have your PIN codes, a PUK code must be ordered before the upgrade. Contact your local card issuer.',
    demo: 'Demo mode: a virtual card and a local upgrade service.',
    demoPin: (pin) => `PIN: ${pin}`,
    demoAuthenticationPin: (pin) => `Authentication PIN: ${pin}`,
    demoSignaturePin: (pin) => `Signature PIN: ${pin}`,
    demoPuk: (puk) => `PUK: ${puk}`,
  },
  insertCard: {
    instruction: 'Insert your SITHS card in the card reader.',
    readers: 'Card readers:',
    noReaders: 'No card reader found. Connect a card reader.',
    hasCard: 'card inserted',
    noCard: 'no card',
    chooseReader: 'Several readers hold a card. Choose the card to use:',
    reading: 'Reading the card ...',
    readerMissing: (reader, readers) =>
      `There is no card reader "${reader}". ${readers === '' ? 'No card reader is connected.' : `Card readers: ${readers}.`}`,
  },
  overview: {
    heading: 'Your card',
    holder: 'Card holder',
    hsaId: 'HSA-id',
    cardNumber: 'Card number',
    certificates: 'Certificates on the card:',
    noCertificates: 'The card holds no certificates.',
    validUntil: (date) => `valid until ${date}`,
    expired: (date) => `expired ${date}`,
    isNew: 'new',
    isOld: 'old',
    verdicts: {
      upgraded: 'The card is already upgraded.',
      'needs-upgrade': 'The card needs the upgrade.',
      'no-certificates':
        'The card holds no SITHS certificates, so it cannot be upgraded. Ask your IT support or card issuer for a card with certificates.',
    },
    pinTries: (tries) => `PIN: ${tries} ${tries === 1 ? 'try' : 'tries'} left`,
    pinBlocked: 'The PIN is blocked. Unblock it with the PUK.',
    namedPinTries: (pinName, tries) => `${pinName}: ${tries} ${tries === 1 ? 'try' : 'tries'} left`,
    namedPinBlocked: (pinName) => `The ${lowerFirst(pinName)} is blocked. Unblock it with the PUK.`,
    unknown: 'unknown',
  },
  purposes: {authentication: 'Authentication', signature: 'Signature', unknown: 'Unknown'},
  identityKinds: {'hsa-id': 'HSA-id', personnummer: 'personnummer', unknown: 'unknown identity'},
  pin: {
    prompts: {
      login: 'Authentication PIN',
      signature: 'Signature PIN',
      'current-pin': 'Current PIN',
      'new-pin': 'New PIN',
      puk: 'PUK',
    },
    names: {authentication: 'Authentication PIN', signature: 'Signature PIN'},
    namedPrompts: {
      'current-pin': (pinName) => `Current ${lowerFirst(pinName)}`,
      'new-pin': (pinName) => `New ${lowerFirst(pinName)}`,
      puk: (pinName) => `PUK (unblocks the ${lowerFirst(pinName)})`,
    },
    signatureWhy:
      'The card needs the signature PIN to sign the new certificate requests. It is checked on the card before the download starts.',
    choosePin: {
      'change-pin': 'Which PIN do you want to change?',
      'unblock-pin': 'Which PIN do you want to unblock with the PUK?',
    },
    onePin: 'Your card has one PIN for both authentication and signature. You enter it only once.',
    twoPins: 'Your card has two PINs: first the authentication PIN, then the signature PIN.',
    repeatNewPin: 'Repeat the new PIN',
    newPinsDiffer: 'The two new PINs differed. Enter the new PIN again.',
    newPinRule: 'The new PIN must be 6-8 digits.',
    triesLeft: (tries) => `${tries} ${tries === 1 ? 'try' : 'tries'} left`,
    lastTry: 'Last try! A wrong code now blocks it. Press Enter to confirm you want to try.',
    lastPukTry:
      'Last PUK try! A wrong PUK now blocks the PUK for good: the card can then never be unblocked and must be ' +
      'replaced. Press Enter to confirm you want to try.',
    lastTryConfirmed: 'Last try confirmed. Type the code carefully.',
    wrongCode: 'Wrong code.',
    badFormat: 'The code must be 6-8 digits. No try was used.',
    digitsOnly: 'Digits only.',
    field: 'Code',
  },
  menu: {
    heading: 'What do you want to do?',
    loggedInAs: (name, hsaId) => `Logged in as ${name} (${hsaId})`,
    operations: {
      upgrade: 'Upgrade card',
      'list-certificates': 'List certificates',
      'test-eid': 'Test e-id',
      'change-pin': 'Change PIN',
      'unblock-pin': 'Unblock PIN with PUK',
      refetch: 'Re-fetch certificates',
      revoke: 'Revoke a certificate',
      status: 'Show the card status',
    },
  },
  activities: {
    'reading-card': 'Reading the card',
    'asking-service': 'Asking the upgrade service',
    'authenticating-card': 'Unlocking the card for writing',
    'generating-key': 'The card is generating a new key pair',
    'signing-request': 'The card is signing the certificate request',
    'awaiting-certificate': 'Fetching the certificate',
    'checking-certificate': 'Checking the certificate',
    'writing-certificate': 'Installing the certificate on the card',
    'testing-signature': 'Trying a signature with the card',
    'deleting-certificate': 'Deleting an old certificate',
    'destroying-key': 'Destroying an old key',
    completing: 'Completing with the upgrade service',
  },
  working: {
    loggingIn: 'Logging in with your card ...',
    pleaseWait: 'Please wait ...',
  },
  terms: {
    heading: 'Read and accept the terms of your certificate',
    version: (version) => `Terms, version ${version}`,
    plan: (count) => `The card gets ${count} new certificate${count === 1 ? '' : 's'}.`,
    haveYourPin: 'Make sure you have your PIN at hand.',
    haveYourPins: 'Make sure you have both your PINs at hand: authentication and signature.',
    accept: 'I accept the terms',
    startDownload: 'START DOWNLOAD',
    tickFirst: 'Tick I accept the terms first (space).',
    preparing: (done, total) =>
      `The card is being prepared while you read (${done} of ${total} key pairs ready). You may remove it safely.`,
    prepared: (total) => `The card is prepared (${total} key pairs). You may remove it safely.`,
    position: (first, last, total) => `lines ${first}-${last} of ${total}`,
  },
  progress: {
    heading: 'Downloading',
    elapsed: (time) => `Elapsed: ${time}`,
    remaining: (time) => `Left: about ${time}`,
    remainingUnknown: 'Left: unknown right now',
    keyGenerationNote: 'The card is generating an RSA key; this can take up to half a minute.',
    workingOn: (slotName, what) => `Working on slot ${slotName}: ${what}`,
    installed: (count, total) => `Installed: ${count} of ${total}`,
    warningLines: ['DO NOT REMOVE', 'THE CARD'],
    warning: 'DO NOT REMOVE THE CARD',
    cancelling: 'Cancelling once the card has finished the current step ...',
  },
  done: {
    heading: 'The certificates are downloaded and the upgrade is complete.',
    newCertificates: 'New certificates on the card:',
    removeCard: 'You may now remove the card.',
  },
  results: {
    status: 'Card status',
    certificatesListed: 'Your certificates at the upgrade service:',
    noCertificates: 'The service has no certificates for you.',
    certificateStatus: {valid: 'valid', revoked: 'revoked', expired: 'expired'},
    eIdWorks: (slotName) =>
      `Your e-id works: the card signed a challenge and the signature matched the certificate in slot ${slotName}.`,
    eIdNotTrusted: 'But the certificate is not from the new issuer or not valid now: upgrade the card.',
    eIdSignatureWorks: (slotName) =>
      `Signing works: the card signed a challenge with the signature PIN and the signature matched the certificate in slot ${slotName}.`,
    pinChanged: 'The PIN is changed.',
    pinUnblocked: 'The PIN is unblocked and set to the new value.',
    namedPinChanged: (pinName) => `The ${lowerFirst(pinName)} is changed.`,
    namedPinUnblocked: (pinName) => `The ${lowerFirst(pinName)} is unblocked and set to the new value.`,
    refetched: (count) =>
      `${count} certificate${count === 1 ? ' was' : 's were'} fetched and installed again.`,
    revoked: (serial) => `The certificate with serial number ${serial} is revoked.`,
    chooseCertificate: 'Choose the certificate to revoke:',
    serial: (serial) => `serial ${serial}`,
  },
  errors: {
    'invalid-pin': ({triesLeft}) => ({
      title: 'Wrong PIN',
      detail: `The PIN was wrong. ${triesLeft} ${triesLeft === 1 ? 'try' : 'tries'} left before it is blocked.`,
    }),
    'pin-format': () => ({
      title: 'The PIN has the wrong format',
      detail: 'The PIN must be 6-8 digits. No try was used.',
    }),
    'pin-blocked': ({role}) => ({
      title: role === undefined ? 'The PIN is blocked' : `The ${role} PIN is blocked`,
      detail: 'The PIN was entered wrongly too many times. The PUK in your PIN envelope unblocks it.',
    }),
    'invalid-puk': ({triesLeft}) => ({
      title: 'Wrong PUK',
      detail: `The PUK was wrong. ${triesLeft} ${triesLeft === 1 ? 'try' : 'tries'} left before the PUK is blocked.`,
    }),
    'puk-blocked': () => ({
      title: 'The PUK is blocked',
      detail: 'The card can no longer be unblocked. You need a new PUK or a new card.',
    }),
    'card-removed': () => ({
      title: 'The card was removed',
      detail:
        'The card left the reader while in use. Nothing was lost: put the card back and the upgrade continues where it was.',
    }),
    'card-changed': () => ({
      title: 'A different card was inserted',
      detail: 'The card in the reader is not the card the work started with.',
    }),
    'card-reset': () => ({
      title: 'Another program keeps resetting the card',
      detail: 'Another program reset the card again and again while this tool used it.',
    }),
    'no-reader': () => ({
      title: 'No card reader',
      detail: 'No card reader is connected to this computer.',
    }),
    'pcscd-not-running': () => ({
      title: 'The card reader service is not running',
      detail: 'The card reader service (pcscd) is not running on this computer.',
    }),
    'pcsclite-missing': () => ({
      title: 'Card reader support is missing',
      detail: 'The PC/SC library (pcsc-lite, libpcsclite1) is not installed.',
    }),
    'access-denied': () => ({
      title: 'Access to the card reader was denied',
      detail: 'This session (for example over SSH) may not use the card reader.',
    }),
    'reader-busy': () => ({
      title: 'Another program uses the card',
      detail: 'Another program holds the card right now.',
    }),
    'not-a-piv-card': () => ({
      title: 'Unknown card',
      detail: 'The card in the reader is not a SITHS card (it has no PIV application).',
    }),
    'card-already-new': () => ({
      title: 'Your card is already of the new kind',
      detail:
        'This is a new SITHS eID card (from 2020). It holds the new certificates already and needs no upgrade.',
    }),
    'no-login-credential': () => ({
      title: 'The card cannot log in',
      detail: 'The card holds no valid certificate the upgrade service accepts for login.',
    }),
    'login-certificate-revoked': () => ({
      title: 'The login certificate is revoked',
      detail:
        'The certificate the card logs in with has been revoked, so the upgrade service ended the session. ' +
        'Nothing more was issued and the card keeps what it has.',
    }),
    'management-key-rejected': () => ({
      title: 'The card could not be unlocked for writing',
      detail: 'The card refused the management key. The card is unchanged.',
    }),
    'card-full': () => ({
      title: 'The card is full',
      detail: 'There is no room for more keys or certificates on the card.',
    }),
    'card-error': ({statusWord}) => ({
      title: 'The card answered with an error',
      detail:
        statusWord === undefined
          ? 'The card answered with an error this program does not know.'
          : `The card answered with error code ${statusWord}.`,
    }),
    'service-unreachable': () => ({
      title: 'The upgrade service cannot be reached',
      detail: 'Could not reach the upgrade service. The card is in a safe state.',
    }),
    'service-tls': () => ({
      title: 'The upgrade service could not be verified',
      detail:
        "The service's certificate does not match the configured CA. The connection was stopped for safety.",
    }),
    'service-chain-untrusted': ({reason}) => ({
      title: "The service's issuing CAs could not be verified",
      detail:
        'The issuing CAs the upgrade service sent do not chain to the root CA in --service-ca ' +
        `(check: ${reason}). They were not used, and the card's certificates were not judged by them. ` +
        'Check that --service-ca is the right root for this service.',
    }),
    'key-not-attested': ({reason}) => ({
      title: 'The card could not prove its new key',
      detail:
        'The upgrade service issues certificates only for keys the card proves it made itself (key attestation), ' +
        `and it did not accept this card's proof (reason: ${reason}). The card may come from a maker the service ` +
        'does not know. Nothing was issued and the card keeps its current certificates.',
    }),
    'service-refused': ({reason}) => ({
      title: 'The upgrade service refused',
      detail: `The service refused the request (reason: ${reason}).`,
    }),
    'service-error': ({status}) => ({
      title: 'The upgrade service failed',
      detail: `The service answered with an error (${status}) even after several tries. The card is in a safe state.`,
    }),
    'answer-rejected': ({check}) => ({
      title: "The service's answer was not accepted",
      detail: `The answer failed the check: ${en.answerChecks[check]}. Nothing was written to the card.`,
    }),
    cancelled: () => ({
      title: 'Cancelled',
      detail: 'The work was stopped in a safe state.',
    }),
    internal: () => ({
      title: 'Internal error',
      detail: 'An unexpected error occurred in the program. The support log holds the details.',
    }),
  },
  answerChecks: {
    chain: 'the certificate does not chain to the trusted issuer',
    'public-key': "the certificate's key is not the card's",
    subject: 'the certificate is not for the logged-in person',
    validity: "the certificate's validity is not sensible",
    plan: 'the plan does not fit this card',
  },
  wayForward: {
    retry: 'Try again (press r).',
    'enter-pin-again': 'Enter the code again.',
    'unblock-with-puk': 'Choose Unblock PIN with PUK in the menu, or run siths-upgrade pin unblock.',
    'contact-issuer': 'Contact your local card issuer for a new PUK or a new card.',
    'reinsert-card': 'Put the card back in the reader; the work continues by itself.',
    'insert-original-card': 'Insert the card you started with and press r.',
    'connect-reader': 'Connect a card reader and press r.',
    'start-pcscd': 'Start the card reader service (sudo systemctl start pcscd) and press r.',
    'install-pcsclite': 'Ask IT to install pcsc-lite (the pcscd and libpcsclite1 packages).',
    'allow-reader-access':
      'Ask IT to allow the card reader in this session (a polkit rule for pcscd), or run the program locally.',
    'close-other-program': 'Close the other program that uses the card and press r.',
    'check-network': 'Check the network connection and press r.',
    'contact-support': 'Contact IT support and attach the support log.',
    'run-again': 'Run the program again when you want to continue; the upgrade continues where it stopped.',
    'nothing-to-do': 'Nothing to do: take the card out of the reader.',
  },
  errorScreen: {
    heading: 'It did not go all the way',
    wayForward: 'The way forward:',
    safe: 'The card always keeps at least one working certificate.',
    reinsertCard: {
      retry: 'Put the card back in the reader, then press r to continue.',
      runAgain: 'Put the card back in the reader and run the command again; it continues where it stopped.',
    },
  },
  warnings: {
    'card-already-upgraded': () => 'The card is already upgraded: only checks and completion remain.',
    'resuming-upgrade': () => 'An interrupted upgrade was found and is being finished.',
    'card-reset': () => 'Another program reset the card; this tool picked it up again and goes on.',
    'service-retrying': ({attempt, delayMs}) =>
      `The service does not answer; try ${attempt} in ${Math.ceil(delayMs / 1000)} s ...`,
    'last-try-not-confirmed': () => 'First confirm that you want to use the last try (Enter).',
    'not-now': () => 'That is not possible right now.',
  },
  cli: {
    help: helpEn,
    unknownCommand: (command) => `Unknown command: ${command}`,
    badArguments: (detail) => `Bad arguments: ${detail}`,
    seeHelp: 'See siths-upgrade --help.',
    pinPrompt: (prompt) => `${prompt}: `,
    pinNotFromArguments: 'PINs and PUKs are never taken from arguments or the environment.',
    noTerminalForPin: 'No code on standard input.',
    configKeys: 'Keys: service, service-ca, lang, reader',
    configUnknownKey: (key) => `Unknown setting: ${key}`,
    settingInvalid: (detail) => `Invalid setting: ${detail}`,
    settingsFileInvalid: (path, problem) => [
      problem.kind === 'not-json'
        ? `The settings file ${path} is not valid JSON (line ${problem.position.line}, column ${problem.position.column}).`
        : problem.kind === 'not-an-object'
          ? `The settings file ${path} does not hold settings: it must be one JSON object, such as {"lang": "en"}.`
          : problem.kind === 'unreadable'
            ? `The settings file ${path} cannot be read (${problem.reason}).`
            : `The settings file ${path} cannot be written (${problem.reason}).`,
      problem.kind === 'unreadable' || problem.kind === 'unwritable'
        ? 'Make it a file you may read and write, or remove it.'
        : 'Correct it, or remove it.',
      'The settings are only conveniences (nothing of the upgrade is lost): set them again with siths-upgrade config set <key> <value>.',
    ],
    serviceFromSettings: (path) =>
      `It is the service setting in ${path}: change it with siths-upgrade config set service https://..., or give --service.`,
    serviceUrl: {
      'not-a-url': (value) =>
        `The upgrade service's address is not a URL: ${value}. Give it as https://host or https://host:port.`,
      'not-https': (value) =>
        `The upgrade service's address must start with https:// (an encrypted connection checked against the ` +
        `service CA): ${value}`,
      'has-credentials': (value) =>
        `The upgrade service's address must not hold a user name or password: ${value}. The card logs in; ` +
        `leave them out.`,
    },
    setupWritten: (configPath) =>
      `The demo configuration is written. Start the service with: siths-upgrade serve --config ${configPath}`,
    configSet: (key, value) => `${key} = ${value}`,
    configUnset: (key) => `${key} removed`,
    configFile: (path) => `Settings file: ${path}`,
    notSet: '(not set)',
    interrupted: 'Interrupted.',
    fatal: (detail) => `Error: ${detail}`,
    demoReady: (url) => `The demo service listens on ${url}`,
    serviceListening: (url) => `The reference service listens on ${url}`,
    simulating: (reader) => `The virtual card is in the reader ${reader}`,
    stopWith: 'Stop with Ctrl+C.',
    supportLog: (path) => `Support log: ${path}`,
    noServiceConfigured:
      'No upgrade service is configured: give --service and --service-ca or siths-upgrade config set service ...',
    report: {
      organisations: 'Cards per organisation',
      upgradesPerDay: 'Cards upgraded per day (UTC)',
      refusalsByCode: 'Refused requests by code',
      refusalsPerDay: 'Refused requests per day (UTC)',
      notUpgraded: 'Received cards not yet upgraded',
      organisation: 'Organisation',
      cards: 'Cards',
      upgradeable: 'Received',
      upgraded: 'Upgraded',
      stillOld: 'Still old',
      total: 'Total',
      day: 'Day',
      code: 'Code',
      count: 'Count',
      hsaId: 'HSA-id',
      name: 'Name',
      cardNumber: 'Card number',
      none: '(none)',
    },
  },
  formatDuration,
  formatDate,
};
