import type {HelpTexts} from './catalogue.js';

const exitCodes = `Slutkoder:
  0    klart (status: kortet är uppgraderat)
  1    åtgärden misslyckades (se meddelandet)
  2    fel argument, okänt kommando eller en trasig inställningsfil
  3    kortläsaren: ingen läsare, pcscd körs inte, pcsc-lite saknas eller åtkomst nekad
  4    PIN- eller PUK-kod: fel kod, spärrad eller fel format
  5    uppgraderingstjänsten: nås inte, fel TLS-certifikat, utfärdande CA inte under --service-ca,
       vägrade eller svarade fel
  6    kortet: uttaget, bytt, inget PIV-kort, redan ett nytt SITHS eID-kort, inga SITHS-certifikat
       (även status), saknar inloggningscertifikat eller fullt
  10   status, test: kortet fungerar men behöver uppgraderas
  70   programfel (se supportloggen)
  130  avbrutet (Ctrl+C), 129 terminalen stängdes, 143 avslutat (SIGTERM)`;

const commonFlags = `  --reader <namn>      använd den här kortläsaren (en del av namnet räcker)
  --service <url>      uppgraderingstjänstens adress (https://…)
  --service-ca <fil>   tjänstens rot-CA-certifikat (PEM): TLS-anslutningen ska kedja till det;
                       status och test hämtar de utfärdande CA:na från tjänsten och kontrollerar dem mot det
                       (utan --service: ange en fil med roten och de utfärdande CA:na)
  --lang sv|en         språk (standard: från LANG, annars svenska)
  --plain              enkla rader utan markörrörelser (skärmläsare, loggar, ej terminal)
  --ascii              ASCII i stället för linjetecken och symboler
  --no-color           inga färger (som NO_COLOR)
  --trace              skriv kortets kommandon (utan PIN-koder och nycklar) i supportloggen
  -h, --help           visa hjälpen`;

/**
 * The command line's help in Swedish (the catalogue's `cli.help`), in a module of its own: `--help` answers
 * from it without loading the catalogue, the screens or the engine (source/cli.tsx).
 */
export const helpSv: HelpTexts = {
  main: `siths-upgrade – uppgradera certifikaten på ditt SITHS/eTjänstekort

Användning:
  siths-upgrade [flaggor]               helskärm: de tio stegen (standard)
  siths-upgrade --demo                  demo: virtuellt kort, lokal tjänst med demo-CA (npm start)
  siths-upgrade status [--json]         visa kortets status
  siths-upgrade test                    testa e-legitimationen (kortet signerar, signaturen kontrolleras)
  siths-upgrade pin change|unblock      byt PIN-kod, eller lås upp den med PUK-koden
  siths-upgrade config [list|get|set|unset]  inställningar
  siths-upgrade serve --config <fil>    starta referenstjänsten (serve --init <katalog> skapar en)
  siths-upgrade simulate                ett virtuellt kort bakom en vpcd-läsare

Flaggor:
${commonFlags}
  --demo               demoläget ovan
  --card siths-eid|piv demokortet: SITHS-kortet med två PIN-koder (standard) eller ett PIV-kort
  -v, --version        visa versionen

Utan --service och utan inställd tjänst körs demoläget.
PIN- och PUK-koder anges aldrig som argument eller miljövariabler; programmet frågar efter dem.
Miljö: LANG väljer språk, NO_COLOR stänger av färger, TERM=dumb, CI eller --plain ger enkla rader,
SITHS_TRACE=1 gör som --trace.

${exitCodes}`,
  status: `siths-upgrade status [--json] [flaggor]

Läser kortet och visar innehavare, HSA-id, kortnummer, certifikaten och deras giltighet, och
om kortet redan är uppgraderat. Behöver ingen PIN-kod och ingen tjänst.
  --json               skriv statusen som JSON

${commonFlags}

${exitCodes}`,
  test: `siths-upgrade test [flaggor]

Testar e-legitimationen: frågar efter PIN-koden, låter kortet signera en slumpad utmaning och
kontrollerar signaturen med kortets certifikat och mot den betrodda utfärdaren. Ett kort med två
PIN-koder signerar med båda nycklarna: först med Pinkod för Legitimering, sedan med Pinkod för Underskrift.

${commonFlags}

${exitCodes}`,
  pin: `siths-upgrade pin change|unblock [flaggor]

  change     byt PIN-kod: nuvarande kod, sedan den nya två gånger
  unblock    lås upp en spärrad PIN-kod med PUK-koden och välj en ny PIN-kod
På ett kort med två PIN-koder väljer du först vilken: 1 Pinkod för Legitimering, 2 Pinkod för Underskrift.
Koderna läses från terminalen (dolda) eller, utan terminal, en per rad från standard in (valet också).

${commonFlags}

${exitCodes}`,
  config: `siths-upgrade config [list | get <nyckel> | set <nyckel> <värde> | unset <nyckel>]

Nycklar:
  service      uppgraderingstjänstens adress (https://…)
  service-ca   sökväg till tjänstens CA-certifikat (PEM)
  lang         sv eller en
  reader       föredragen kortläsare (en del av namnet räcker)
Flaggor på kommandoraden går före inställningarna.

${exitCodes}`,
  serve: `siths-upgrade serve --config <fil> | --init <katalog>
siths-upgrade serve report --config <fil> [--json | --csv]

  --config <fil>       starta referenstjänsten med den här konfigurationen
  --init <katalog>     skapa en demokonfiguration (CA, TLS, katalog, villkor) i katalogen
Stoppas med Ctrl+C.

  report               hur långt uppgraderingen har kommit, ur konfigurationens databas och katalog (en
                       väntande migrering görs, som serve skulle göra, sedan läser den bara; tjänster som kör
                       fortsätter): per organisation korten, de mottagna, de uppgraderade (slutförda minst en
                       gång) och de som är kvar gamla; korten som uppgraderades första gången per dag (UTC);
                       avvisade anrop per felkod och per dag; de mottagna kort som inte är uppgraderade
                       (HSA-id, namn, organisation, kortnummer). En tabell, eller:
  --json               ett JSON-dokument: organisations, days, refusals {byCode, byDay}, notUpgraded
  --csv                CSV (RFC 4180, radslut CRLF), ett avsnitt per del med namnet i JSON
                       (organisations, days, refusalsByCode, refusalsByDay, notUpgraded): en rad med
                       namnet, en rubrikrad, raderna; en tom rad mellan avsnitten

${exitCodes}`,
  simulate: `siths-upgrade simulate [--state <fil>] [--vpcd <värd:port>] [--card piv|siths-eid]
                       [--profile old-siths|blank] [--timing realistic|instant] [--for-service <config.json>]

Lägger ett virtuellt SITHS-kort bakom en vpcd-läsare (pcscd med vsmartcard-vpcd), så att alla
PC/SC-program ser det: det här verktyget, OpenSC, yubico-piv-tool.
  --state <fil>          kortets tillstånd; skapas om filen saknas (standard i $XDG_STATE_HOME/siths-upgrade)
  --vpcd <värd:port>     vpcd-läsarens adress (standard 127.0.0.1:35963)
  --card <kort>          piv: ett PIV-kort med en PIN-kod (standard); siths-eid: SITHS-kortet som personalen
                         har, Setec EID med PKCS#15 och två PIN-koder; en befintlig tillståndsfil behåller sitt kort
  --profile <profil>     old-siths: ett kort med gamla certifikat (standard); blank: utan certifikat
  --timing <tider>       realistic: så lång tid som ett riktigt kort (standard); instant: utan väntan
  --for-service <fil>    referenstjänstens config.json: kortets certifikat från tjänstens gamla CA och
                         administrationsnyckeln som tjänsten har för kortet, så att kortet kan uppgraderas
PIN-kod för ett nytt PIV-kort: 123456. Ett nytt siths-eid-kort: Pinkod för Legitimering 123456,
Pinkod för Underskrift 654321, PUK 12345678. Stoppas med Ctrl+C.

${exitCodes}`,
};
