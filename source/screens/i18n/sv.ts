import {Step} from '../../upgrade/state.js';
import {formatDate, formatDuration, type Catalogue} from './catalogue.js';
import {helpSv} from './help-sv.js';

/** The two PINs as the staff instruction names them. */
const PIN_NAMES_SV = {
  authentication: 'Pinkod för Legitimering',
  signature: 'Pinkod för Underskrift',
} as const;

/**
 * Swedish: the default. Step wording, PIN names and button texts from the staff instruction
 * (docs/architecture.md, "The ten steps").
 */
export const sv: Catalogue = {
  language: 'sv',
  app: {
    title: 'Uppgradera SITHS/eTjänstekort',
    demo: 'DEMO',
    tooSmall: (minimum, now) =>
      `Fönstret är för litet: gör det minst ${minimum.columns} × ${minimum.rows} tecken (nu ${now.columns} × ${now.rows}).`,
  },
  header: {
    reader: (name) => `Läsare: ${name}`,
    noReaderChosen: 'Ingen läsare vald',
    cardStatus: {
      'no-reader': 'Ingen kortläsare',
      waiting: 'Väntar på kortet',
      reading: 'Läser kortet',
      ready: 'Kortet är isatt',
      'logged-in': 'Inloggad',
      busy: 'Arbetar – ta inte ur kortet',
      done: 'Klart',
      failed: 'Ett fel uppstod',
    },
  },
  steps: {
    [Step.PrepareCodes]: {
      short: 'Ta fram PIN-koder',
      title: 'Ta fram dina PIN-koder (legitimering och underskrift)',
    },
    [Step.InsertCard]: {
      short: 'Stoppa in kortet',
      title: 'Stoppa in ditt SITHS/eTjänstekort i kortläsaren',
    },
    [Step.LogIn]: {short: 'Logga in', title: 'Logga in med ditt kort'},
    [Step.ChooseOperation]: {short: 'Välj Uppgradera kort', title: 'Välj Uppgradera kort'},
    [Step.AcceptTerms]: {
      short: 'Godkänn villkoren',
      title: 'Läs och acceptera villkoren för ditt certifikat',
    },
    [Step.DownloadStarted]: {
      short: 'Nedladdningen startar',
      title: 'Nedladdningen har startat – dra inte ur kortet',
    },
    [Step.GenerateRequests]: {short: 'Certifikatsbegäran', title: 'Genererar certifikatsbegäran'},
    [Step.FetchAndInstall]: {short: 'Hämtar och installerar', title: 'Hämtar och installerar certifikat'},
    [Step.DeleteOld]: {short: 'Raderar gamla', title: 'Raderar gamla certifikat'},
    [Step.Done]: {short: 'Klart', title: 'Certifikaten är nedladdade och uppgraderingen är klar'},
  },
  stepMarks: {done: 'klart', current: 'pågår', pending: 'väntar'},
  keys: {
    continue: {key: 'Enter', label: 'Fortsätt'},
    back: {key: 'Esc', label: 'Tillbaka'},
    quit: {key: 'q', label: 'Avsluta'},
    move: {key: 'Upp/Ned', label: 'Flytta'},
    choose: {key: 'Enter', label: 'Välj'},
    tick: {key: 'Mellanslag', label: 'Kryssa i'},
    'start-download': {key: 'Enter', label: 'STARTA NEDLADDNING'},
    scroll: {key: 'PgUp/PgDn', label: 'Bläddra'},
    retry: {key: 'r', label: 'Försök igen'},
    menu: {key: 'Enter', label: 'Till menyn'},
    'confirm-last-try': {key: 'Enter', label: 'Bekräfta sista försöket'},
    erase: {key: 'Backsteg', label: 'Radera'},
    'cancel-upgrade': {key: 'Esc', label: 'Avbryt säkert'},
    'log-in': {key: 'Enter', label: 'Logga in'},
    unblock: {key: 'Enter', label: 'Lås upp med PUK'},
  },
  choiceList: {
    moreAbove: (count) => `${count} till ovanför`,
    moreBelow: (count) => `${count} till nedanför`,
  },
  welcome: {
    heading: 'Uppgradera certifikaten på ditt SITHS/eTjänstekort',
    youNeed: 'Det här behöver du:',
    needCard: 'Ditt SITHS/eTjänstekort och en kortläsare',
    needPins: 'Dina PIN-koder: Pinkod för Legitimering och Pinkod för Underskrift',
    pinsWhere: 'Koderna finns i kodkuvertet du fick tillsammans med kortet.',
    duration: 'Uppgraderingen tar normalt mindre än två minuter.',
    noPins:
      'Saknar du dina PIN-koder måste en PUK-kod beställas innan certifikatsbytet kan genomföras. Kontakta din biträdande utgivare.',
    demo: 'Demoläge: ett virtuellt kort och en lokal uppgraderingstjänst.',
    demoPin: (pin) => `PIN-kod: ${pin}`,
    demoAuthenticationPin: (pin) => `Pinkod för Legitimering: ${pin}`,
    demoSignaturePin: (pin) => `Pinkod för Underskrift: ${pin}`,
    demoPuk: (puk) => `PUK-kod: ${puk}`,
  },
  insertCard: {
    instruction: 'Stoppa in ditt SITHS/eTjänstekort i kortläsaren.',
    readers: 'Kortläsare:',
    noReaders: 'Ingen kortläsare hittades. Anslut en kortläsare.',
    hasCard: 'kort isatt',
    noCard: 'inget kort',
    chooseReader: 'Flera kortläsare har ett kort. Välj vilket kort du vill använda:',
    reading: 'Läser kortet …',
    readerMissing: (reader, readers) =>
      `Det finns ingen kortläsare "${reader}". ${readers === '' ? 'Ingen kortläsare är ansluten.' : `Kortläsare: ${readers}.`}`,
  },
  overview: {
    heading: 'Ditt kort',
    holder: 'Kortinnehavare',
    hsaId: 'HSA-id',
    cardNumber: 'Kortnummer',
    certificates: 'Certifikat på kortet:',
    noCertificates: 'Kortet har inga certifikat.',
    validUntil: (date) => `giltigt t.o.m. ${date}`,
    expired: (date) => `gick ut ${date}`,
    isNew: 'nytt',
    isOld: 'gammalt',
    verdicts: {
      upgraded: 'Kortet är redan uppgraderat.',
      'needs-upgrade': 'Kortet behöver uppgraderas.',
      'no-certificates':
        'Kortet har inga SITHS-certifikat och kan därför inte uppgraderas. Be IT-supporten eller kortutgivaren om ett kort med certifikat.',
    },
    pinTries: (tries) => `PIN-kod: ${tries} försök kvar`,
    pinBlocked: 'PIN-koden är spärrad. Lås upp den med PUK-koden.',
    namedPinTries: (pinName, tries) => `${pinName}: ${tries} försök kvar`,
    namedPinBlocked: (pinName) => `${pinName} är spärrad. Lås upp den med PUK-koden.`,
    unknown: 'okänt',
  },
  purposes: {authentication: 'Legitimering', signature: 'Underskrift', unknown: 'Okänt'},
  identityKinds: {'hsa-id': 'HSA-id', personnummer: 'personnummer', unknown: 'okänd identitet'},
  pin: {
    prompts: {
      login: 'Pinkod för Legitimering',
      signature: 'Pinkod för Underskrift',
      'current-pin': 'Nuvarande PIN-kod',
      'new-pin': 'Ny PIN-kod',
      puk: 'PUK-kod',
    },
    names: PIN_NAMES_SV,
    namedPrompts: {
      'current-pin': (pinName) => `Nuvarande ${pinName}`,
      'new-pin': (pinName) => `Ny ${pinName}`,
      puk: (pinName) => `PUK-kod (låser upp ${pinName})`,
    },
    signatureWhy:
      'Kortet behöver Pinkod för Underskrift för att skriva under de nya certifikatsbegärandena. Koden kontrolleras på kortet innan nedladdningen startar.',
    choosePin: {
      'change-pin': 'Vilken PIN-kod vill du byta?',
      'unblock-pin': 'Vilken PIN-kod vill du låsa upp med PUK-koden?',
    },
    onePin: 'Ditt kort har en gemensam PIN-kod för legitimering och underskrift. Du anger den bara en gång.',
    twoPins: 'Ditt kort har två PIN-koder: först Pinkod för Legitimering, sedan Pinkod för Underskrift.',
    repeatNewPin: 'Upprepa den nya PIN-koden',
    newPinsDiffer: 'De två nya PIN-koderna var olika. Ange den nya PIN-koden igen.',
    newPinRule: 'Den nya PIN-koden ska vara 6–8 siffror.',
    triesLeft: (tries) => `${tries} försök kvar`,
    lastTry:
      'Sista försöket! Blir det fel nu spärras koden. Tryck Enter för att bekräfta att du vill försöka.',
    lastPukTry:
      'Sista PUK-försöket! Blir det fel nu spärras PUK-koden för gott: kortet kan då aldrig låsas upp igen och ' +
      'måste bytas. Tryck Enter för att bekräfta att du vill försöka.',
    lastTryConfirmed: 'Sista försöket bekräftat. Skriv koden noga.',
    wrongCode: 'Fel kod.',
    badFormat: 'Koden ska vara 6–8 siffror. Inget försök förbrukades.',
    digitsOnly: 'Bara siffror.',
    field: 'Kod',
  },
  menu: {
    heading: 'Vad vill du göra?',
    loggedInAs: (name, hsaId) => `Inloggad som ${name} (${hsaId})`,
    operations: {
      upgrade: 'Uppgradera kort',
      'list-certificates': 'Visa certifikat',
      'test-eid': 'Testa e-legitimation',
      'change-pin': 'Byt PIN-kod',
      'unblock-pin': 'Lås upp PIN-kod med PUK',
      refetch: 'Hämta certifikaten igen',
      revoke: 'Spärra ett certifikat',
      status: 'Visa kortets status',
    },
  },
  activities: {
    'reading-card': 'Läser kortet',
    'asking-service': 'Frågar uppgraderingstjänsten',
    'authenticating-card': 'Låser upp kortet för skrivning',
    'generating-key': 'Kortet skapar ett nytt nyckelpar',
    'signing-request': 'Kortet signerar certifikatsbegäran',
    'awaiting-certificate': 'Hämtar certifikatet',
    'checking-certificate': 'Kontrollerar certifikatet',
    'writing-certificate': 'Installerar certifikatet på kortet',
    'testing-signature': 'Provar en signatur med kortet',
    'deleting-certificate': 'Raderar ett gammalt certifikat',
    'destroying-key': 'Förstör en gammal nyckel',
    completing: 'Avslutar hos uppgraderingstjänsten',
  },
  working: {
    loggingIn: 'Loggar in med ditt kort …',
    pleaseWait: 'Vänta …',
  },
  terms: {
    heading: 'Läs och acceptera villkoren för ditt certifikat',
    version: (version) => `Villkor, version ${version}`,
    plan: (count) => `Kortet får ${count} nya certifikat.`,
    haveYourPin: 'Säkerställ att du har din PIN-kod till hands.',
    haveYourPins: 'Säkerställ att du har dina pinkoder, både legitimering och underskrift.',
    accept: 'Jag godkänner villkoren',
    startDownload: 'STARTA NEDLADDNING',
    tickFirst: 'Kryssa i Jag godkänner villkoren först (mellanslag).',
    preparing: (done, total) =>
      `Kortet förbereds medan du läser (${done} av ${total} nyckelpar klara). Du kan ta ut kortet utan risk.`,
    prepared: (total) => `Kortet är förberett (${total} nyckelpar). Du kan ta ut kortet utan risk.`,
    position: (first, last, total) => `rad ${first}–${last} av ${total}`,
  },
  progress: {
    heading: 'Nedladdningen pågår',
    elapsed: (time) => `Tid: ${time}`,
    remaining: (time) => `Kvar: ca ${time}`,
    remainingUnknown: 'Kvar: okänt just nu',
    keyGenerationNote: 'Kortet skapar en RSA-nyckel; det kan ta upp till en halv minut.',
    workingOn: (slotName, what) => `Arbetar med plats ${slotName}: ${what}`,
    installed: (count, total) => `Installerade: ${count} av ${total}`,
    warningLines: ['TA INTE UR', 'KORTET'],
    warning: 'TA INTE UR KORTET',
    cancelling: 'Avbryter när kortet är klart med det pågående steget …',
  },
  done: {
    heading: 'Certifikaten är nedladdade och uppgraderingen är klar.',
    newCertificates: 'Nya certifikat på kortet:',
    removeCard: 'Du kan nu ta ur kortet.',
  },
  results: {
    status: 'Kortets status',
    certificatesListed: 'Dina certifikat hos uppgraderingstjänsten:',
    noCertificates: 'Tjänsten har inga certifikat för dig.',
    certificateStatus: {valid: 'giltigt', revoked: 'spärrat', expired: 'utgånget'},
    eIdWorks: (slotName) =>
      `Din e-legitimation fungerar: kortet signerade en utmaning och signaturen stämde med certifikatet i plats ${slotName}.`,
    eIdNotTrusted:
      'Men certifikatet är inte utfärdat av den nya utfärdaren eller inte giltigt nu: uppgradera kortet.',
    eIdSignatureWorks: (slotName) =>
      `Underskriften fungerar: kortet skrev under en utmaning med Pinkod för Underskrift och signaturen stämde med certifikatet i plats ${slotName}.`,
    pinChanged: 'PIN-koden är bytt.',
    pinUnblocked: 'PIN-koden är upplåst och har fått det nya värdet.',
    namedPinChanged: (pinName) => `${pinName} är bytt.`,
    namedPinUnblocked: (pinName) => `${pinName} är upplåst och har fått det nya värdet.`,
    refetched: (count) => `${count} certifikat hämtades och installerades igen.`,
    revoked: (serial) => `Certifikatet med serienummer ${serial} är spärrat.`,
    chooseCertificate: 'Välj certifikatet som ska spärras:',
    serial: (serial) => `serienr ${serial}`,
  },
  errors: {
    'invalid-pin': ({triesLeft}) => ({
      title: 'Fel PIN-kod',
      detail: `PIN-koden var fel. ${triesLeft} försök kvar innan koden spärras.`,
    }),
    'pin-format': () => ({
      title: 'PIN-koden har fel format',
      detail: 'PIN-koden ska vara 6–8 siffror. Inget försök förbrukades.',
    }),
    'pin-blocked': ({role}) => ({
      title: role === undefined ? 'PIN-koden är spärrad' : `${PIN_NAMES_SV[role]} är spärrad`,
      detail: 'PIN-koden har angetts fel för många gånger. Den kan låsas upp med PUK-koden i ditt kodkuvert.',
    }),
    'invalid-puk': ({triesLeft}) => ({
      title: 'Fel PUK-kod',
      detail: `PUK-koden var fel. ${triesLeft} försök kvar innan PUK-koden spärras.`,
    }),
    'puk-blocked': () => ({
      title: 'PUK-koden är spärrad',
      detail: 'Kortet kan inte längre låsas upp. Du behöver en ny PUK-kod eller ett nytt kort.',
    }),
    'card-removed': () => ({
      title: 'Kortet togs ur',
      detail:
        'Kortet togs ur medan det användes. Ingenting gick förlorat: sätt tillbaka kortet så fortsätter uppgraderingen där den var.',
    }),
    'card-changed': () => ({
      title: 'Ett annat kort sattes i',
      detail: 'Kortet i läsaren är inte det kort som arbetet började med.',
    }),
    'card-reset': () => ({
      title: 'Ett annat program återställer kortet hela tiden',
      detail: 'Ett annat program återställde kortet gång på gång medan verktyget använde det.',
    }),
    'no-reader': () => ({
      title: 'Ingen kortläsare',
      detail: 'Datorn har ingen kortläsare ansluten.',
    }),
    'pcscd-not-running': () => ({
      title: 'Kortläsartjänsten körs inte',
      detail: 'Tjänsten för kortläsare (pcscd) är inte igång på den här datorn.',
    }),
    'pcsclite-missing': () => ({
      title: 'Stöd för kortläsare saknas',
      detail: 'PC/SC-biblioteket (pcsc-lite, libpcsclite1) är inte installerat.',
    }),
    'access-denied': () => ({
      title: 'Åtkomst till kortläsaren nekades',
      detail: 'Den här sessionen (till exempel över SSH) får inte använda kortläsaren.',
    }),
    'reader-busy': () => ({
      title: 'Kortet används av ett annat program',
      detail: 'Ett annat program håller kortet just nu.',
    }),
    'not-a-piv-card': () => ({
      title: 'Okänt kort',
      detail: 'Kortet i läsaren är inget SITHS/eTjänstekort (det saknar PIV-applikationen).',
    }),
    'card-already-new': () => ({
      title: 'Ditt kort är redan av den nya sorten',
      detail:
        'Det här är ett nytt SITHS eID-kort (från 2020). Det har redan de nya certifikaten och behöver ingen uppgradering.',
    }),
    'no-login-credential': () => ({
      title: 'Kortet kan inte logga in',
      detail: 'Kortet har inget giltigt certifikat som uppgraderingstjänsten godtar för inloggning.',
    }),
    'login-certificate-revoked': () => ({
      title: 'Inloggningscertifikatet är spärrat',
      detail:
        'Certifikatet som kortet loggar in med har spärrats, så uppgraderingstjänsten avslutade sessionen. ' +
        'Inget mer utfärdades och kortet behåller det som finns på det.',
    }),
    'management-key-rejected': () => ({
      title: 'Kortet kunde inte låsas upp för skrivning',
      detail: 'Kortet godtog inte administrationsnyckeln. Kortet är oförändrat.',
    }),
    'card-full': () => ({
      title: 'Kortet är fullt',
      detail: 'Det finns inte plats för fler nycklar eller certifikat på kortet.',
    }),
    'card-error': ({statusWord}) => ({
      title: 'Kortet svarade med ett fel',
      detail:
        statusWord === undefined
          ? 'Kortet svarade med ett fel som programmet inte känner igen.'
          : `Kortet svarade med felkod ${statusWord}.`,
    }),
    'service-unreachable': () => ({
      title: 'Uppgraderingstjänsten nås inte',
      detail: 'Det gick inte att få kontakt med uppgraderingstjänsten. Kortet är i ett säkert läge.',
    }),
    'service-tls': () => ({
      title: 'Uppgraderingstjänsten kunde inte bekräftas',
      detail:
        'Tjänstens certifikat stämmer inte med den CA som är inställd. Av säkerhetsskäl avbröts anslutningen.',
    }),
    'service-chain-untrusted': ({reason}) => ({
      title: 'Tjänstens utfärdande CA kunde inte bekräftas',
      detail:
        'De utfärdande CA-certifikat som uppgraderingstjänsten skickade kedjar inte till rot-CA:t i --service-ca ' +
        `(kontroll: ${reason}). De användes inte, och kortets certifikat bedömdes inte efter dem. ` +
        'Kontrollera att --service-ca är rätt rot för den här tjänsten.',
    }),
    'key-not-attested': ({reason}) => ({
      title: 'Kortet kunde inte styrka sin nya nyckel',
      detail:
        'Uppgraderingstjänsten utfärdar bara certifikat för nycklar som kortet visar att det själv har skapat ' +
        `(nyckelattestering), och den godtog inte kortets bevis (orsak: ${reason}). Kortet kan komma från en ` +
        'tillverkare som tjänsten inte känner till. Inget utfärdades och kortet behåller sina nuvarande certifikat.',
    }),
    'service-refused': ({reason}) => ({
      title: 'Uppgraderingstjänsten vägrade',
      detail: `Tjänsten avslog begäran (orsak: ${reason}).`,
    }),
    'service-error': ({status}) => ({
      title: 'Fel i uppgraderingstjänsten',
      detail: `Tjänsten svarade med ett fel (${status}) även efter flera försök. Kortet är i ett säkert läge.`,
    }),
    'answer-rejected': ({check}) => ({
      title: 'Tjänstens svar godtogs inte',
      detail: `Svaret klarade inte kontrollen: ${sv.answerChecks[check]}. Ingenting skrevs till kortet.`,
    }),
    cancelled: () => ({
      title: 'Avbrutet',
      detail: 'Arbetet avbröts i ett säkert läge.',
    }),
    internal: () => ({
      title: 'Programfel',
      detail: 'Ett oväntat fel uppstod i programmet. Detaljerna finns i supportloggen.',
    }),
  },
  answerChecks: {
    chain: 'certifikatet kedjar inte till den betrodda utfärdaren',
    'public-key': 'certifikatets nyckel är inte kortets',
    subject: 'certifikatet gäller inte den inloggade personen',
    validity: 'certifikatets giltighetstid är orimlig',
    plan: 'planen passar inte det här kortet',
  },
  wayForward: {
    retry: 'Försök igen (tryck r).',
    'enter-pin-again': 'Ange koden igen.',
    'unblock-with-puk': 'Välj Lås upp PIN-kod med PUK i menyn, eller kör siths-upgrade pin unblock.',
    'contact-issuer': 'Kontakta din biträdande utgivare för en ny PUK-kod eller ett nytt kort.',
    'reinsert-card': 'Sätt tillbaka kortet i läsaren; arbetet fortsätter av sig självt.',
    'insert-original-card': 'Sätt i det kort du började med och tryck r.',
    'connect-reader': 'Anslut en kortläsare och tryck r.',
    'start-pcscd': 'Starta kortläsartjänsten (sudo systemctl start pcscd) och tryck r.',
    'install-pcsclite': 'Be IT installera pcsc-lite (paketet pcscd och libpcsclite1).',
    'allow-reader-access':
      'Be IT tillåta kortläsaren i den här sessionen (polkit-regel för pcscd), eller kör programmet lokalt.',
    'close-other-program': 'Stäng det andra programmet som använder kortet och tryck r.',
    'check-network': 'Kontrollera nätverksanslutningen och tryck r.',
    'contact-support': 'Kontakta IT-supporten och bifoga supportloggen.',
    'run-again': 'Kör programmet igen när du vill fortsätta; uppgraderingen fortsätter där den slutade.',
    'nothing-to-do': 'Du behöver inte göra något: ta ut kortet ur läsaren.',
  },
  errorScreen: {
    heading: 'Det gick inte hela vägen',
    wayForward: 'Så går du vidare:',
    safe: 'Kortet har alltid minst ett fungerande certifikat kvar.',
    reinsertCard: {
      retry: 'Sätt tillbaka kortet i läsaren och tryck sedan r för att fortsätta.',
      runAgain: 'Sätt tillbaka kortet i läsaren och kör kommandot igen; det fortsätter där det slutade.',
    },
  },
  warnings: {
    'card-already-upgraded': () => 'Kortet är redan uppgraderat: bara kontroller och avslut återstår.',
    'resuming-upgrade': () => 'En avbruten uppgradering hittades och slutförs nu.',
    'card-reset': () => 'Ett annat program återställde kortet; verktyget tog upp det igen och fortsätter.',
    'service-retrying': ({attempt, delayMs}) =>
      `Tjänsten svarar inte; försök ${attempt} om ${Math.ceil(delayMs / 1000)} s …`,
    'last-try-not-confirmed': () => 'Bekräfta först att du vill använda sista försöket (Enter).',
    'not-now': () => 'Det går inte just nu.',
  },
  cli: {
    help: helpSv,
    unknownCommand: (command) => `Okänt kommando: ${command}`,
    badArguments: (detail) => `Fel argument: ${detail}`,
    seeHelp: 'Se siths-upgrade --help.',
    pinPrompt: (prompt) => `${prompt}: `,
    pinNotFromArguments: 'PIN- och PUK-koder tas aldrig emot som argument eller miljövariabler.',
    noTerminalForPin: 'Ingen kod på standard in.',
    configKeys: 'Nycklar: service, service-ca, lang, reader',
    configUnknownKey: (key) => `Okänd inställning: ${key}`,
    settingInvalid: (detail) => `Ogiltig inställning: ${detail}`,
    settingsFileInvalid: (path, problem) => [
      problem.kind === 'not-json'
        ? `Inställningsfilen ${path} är inte giltig JSON (rad ${problem.position.line}, kolumn ${problem.position.column}).`
        : problem.kind === 'not-an-object'
          ? `Inställningsfilen ${path} innehåller inga inställningar: den ska vara ett JSON-objekt, till exempel {"lang": "sv"}.`
          : problem.kind === 'unreadable'
            ? `Inställningsfilen ${path} går inte att läsa (${problem.reason}).`
            : `Inställningsfilen ${path} går inte att skriva (${problem.reason}).`,
      problem.kind === 'unreadable' || problem.kind === 'unwritable'
        ? 'Se till att du får läsa och skriva filen, eller ta bort den.'
        : 'Rätta filen, eller ta bort den.',
      'Inställningarna är bara bekvämligheter (inget av uppgraderingen går förlorat): ange dem igen med siths-upgrade config set <nyckel> <värde>.',
    ],
    serviceFromSettings: (path) =>
      `Det är inställningen service i ${path}: ändra den med siths-upgrade config set service https://..., eller ange --service.`,
    serviceUrl: {
      'not-a-url': (value) =>
        `Uppgraderingstjänstens adress är ingen URL: ${value}. Ange den som https://värd eller https://värd:port.`,
      'not-https': (value) =>
        `Uppgraderingstjänstens adress måste börja med https:// (en krypterad anslutning som kontrolleras mot ` +
        `tjänstens CA): ${value}`,
      'has-credentials': (value) =>
        `Uppgraderingstjänstens adress får inte innehålla användarnamn eller lösenord: ${value}. Kortet loggar ` +
        `in; ta bort dem.`,
    },
    setupWritten: (configPath) =>
      `Demokonfigurationen är skapad. Starta tjänsten med: siths-upgrade serve --config ${configPath}`,
    configSet: (key, value) => `${key} = ${value}`,
    configUnset: (key) => `${key} borttagen`,
    configFile: (path) => `Inställningsfil: ${path}`,
    notSet: '(inte satt)',
    interrupted: 'Avbrutet.',
    fatal: (detail) => `Fel: ${detail}`,
    demoReady: (url) => `Demotjänsten lyssnar på ${url}`,
    serviceListening: (url) => `Referenstjänsten lyssnar på ${url}`,
    simulating: (reader) => `Det virtuella kortet sitter i läsaren ${reader}`,
    stopWith: 'Stoppa med Ctrl+C.',
    supportLog: (path) => `Supportlogg: ${path}`,
    noServiceConfigured:
      'Ingen uppgraderingstjänst är inställd: ange --service och --service-ca eller siths-upgrade config set service …',
    report: {
      organisations: 'Kort per organisation',
      upgradesPerDay: 'Uppgraderade kort per dag (UTC)',
      refusalsByCode: 'Avvisade anrop per felkod',
      refusalsPerDay: 'Avvisade anrop per dag (UTC)',
      notUpgraded: 'Mottagna kort som inte är uppgraderade',
      organisation: 'Organisation',
      cards: 'Kort',
      upgradeable: 'Mottagna',
      upgraded: 'Uppgraderade',
      stillOld: 'Kvar gamla',
      total: 'Totalt',
      day: 'Dag',
      code: 'Felkod',
      count: 'Antal',
      hsaId: 'HSA-id',
      name: 'Namn',
      cardNumber: 'Kortnummer',
      none: '(inga)',
    },
  },
  formatDuration,
  formatDate,
};
