import {ThemeProvider} from '@inkjs/ui';
import {Box, Text, useInput} from 'ink';
import React, {Component, useCallback, useMemo, useState, useSyncExternalStore, type ReactNode} from 'react';
import {BigText, bigTextHeight, fitsInWidth} from './screens/big-text.js';
import {CardOverview} from './screens/card-overview.js';
import {CertificateChoice} from './screens/certificate-choice.js';
import {Done} from './screens/done.js';
import {ErrorScreen} from './screens/error-screen.js';
import {Frame, frameGeometry} from './screens/frame.js';
import {CatalogueProvider} from './screens/i18n/catalogue-context.js';
import type {Catalogue} from './screens/i18n/catalogue.js';
import {InsertCard} from './screens/insert-card.js';
import {Menu} from './screens/menu.js';
import {OperationResult} from './screens/operation-result.js';
import {PinChoice} from './screens/pin-choice.js';
import {PinEntry} from './screens/pin-entry.js';
import {Progress} from './screens/progress.js';
import {screenForState} from './screens/screen-for-state.js';
import {STEPS} from './screens/step-list.js';
import {SizeGate} from './screens/size-gate.js';
import {isBelowMinimum, useTerminalSize, type TerminalSize} from './screens/terminal-size.js';
import {Terms} from './screens/terms.js';
import {createTheme, useScreenTheme, type Appearance} from './screens/theme.js';
import {WarningLine} from './screens/warning-line.js';
import {Welcome, type DemoCodes} from './screens/welcome.js';
import {Working} from './screens/working.js';
import type {EngineControl} from './upgrade/engine-control.js';
import type {EngineState} from './upgrade/state.js';

/** The engine as the app takes it, declared by the upgrade layer (re-exported for the bench). */
export type {EngineControl};

/** Why the app asks to end: the user quit (q) or pressed Ctrl+C. */
export type ExitReason = 'quit' | 'interrupted';

export interface AppProps {
  readonly engine: EngineControl;
  readonly catalogue: Catalogue;
  readonly appearance: Appearance;
  /** Demo mode: the virtual card's codes, shown on the first screen. */
  readonly demo?: DemoCodes;
  /** The time, for telling expired certificates. */
  readonly now?: () => Date;
  readonly onExit: (reason: ExitReason) => void;
  /** A fault in the screens: the CLI logs it, restores the terminal and exits. */
  readonly onCrash?: (error: unknown) => void;
}

/** The rows the ten steps need beside the panel. */
const STEP_ROWS = STEPS.length;

/** The full-screen app: theme and catalogue, an error boundary, and the engine's state rendered as a screen. */
export function App(props: AppProps): React.JSX.Element {
  const theme = useMemo(() => createTheme(props.appearance), [props.appearance]);
  return (
    <ThemeProvider theme={theme}>
      <CatalogueProvider catalogue={props.catalogue}>
        <CrashBoundary catalogue={props.catalogue} onCrash={props.onCrash}>
          <Screens {...props} />
        </CrashBoundary>
      </CatalogueProvider>
    </ThemeProvider>
  );
}

/** The big warning during the upgrade, and the rows it takes; the plain line when the terminal is too small. */
function warningBanner(t: Catalogue, size: TerminalSize): {banner: ReactNode; rows: number} {
  const rows = bigTextHeight(t.progress.warningLines);
  const room = frameGeometry(size, 0).panel.height - STEP_ROWS;
  const isBig = fitsInWidth(t.progress.warningLines, size.columns) && room >= rows;
  return {
    banner: (
      <BigText
        lines={t.progress.warningLines}
        plain={t.progress.warning}
        width={size.columns}
        isCompact={!isBig}
      />
    ),
    rows: isBig ? rows : 1,
  };
}

function Screens({engine, catalogue: t, demo, now = () => new Date(), onExit}: AppProps): React.JSX.Element {
  const subscribe = useCallback((listener: () => void) => engine.subscribe(listener), [engine]);
  const state = useSyncExternalStore(subscribe, () => engine.getState());
  const size = useTerminalSize();
  // The result the user left for the menu, and the plan whose upgrade the user asked to cancel.
  const [dismissed, setDismissed] = useState<unknown>(undefined);
  const [cancelledPlan, setCancelledPlan] = useState<unknown>(undefined);
  const shown =
    state.type === 'operation-result' ? state.result : state.type === 'done' ? state.installed : null;
  const choice = screenForState(state, shown !== null && shown === dismissed);

  // Ctrl+C and q work in a terminal too small for the screen (SizeGate); the other keys act on the screen.
  const isScreenShown = !isBelowMinimum(size);
  useInput((input, key) => {
    if (key.ctrl && input === 'c') onExit('interrupted');
    else if (input === 'q' && choice.keys.includes('quit')) onExit('quit');
    else if (!isScreenShown) return;
    else if (key.return && choice.keys.includes('menu')) setDismissed(shown);
    else if (key.escape && state.type === 'upgrading') {
      setCancelledPlan(state.plan);
      engine.cancel();
    }
  });

  const banner = state.type === 'upgrading' ? warningBanner(t, size) : undefined;
  const {panel} = frameGeometry(size, banner?.rows ?? 0);
  const date = now();

  return (
    <SizeGate size={size}>
      <Frame
        size={size}
        step={state.step}
        isFailed={state.type === 'failed'}
        readerName={state.readerName}
        cardStatus={choice.cardStatus}
        isDemo={demo !== undefined}
        keys={choice.keys}
        banner={banner?.banner}
        bannerRows={banner?.rows}
      >
        {screenOf(state, {engine, t, demo, date, panel, cancelledPlan, screen: choice.screen})}
        {state.type !== 'upgrading' && <WarningLine warnings={state.warnings} />}
      </Frame>
    </SizeGate>
  );
}

/** What a screen needs besides the state: the engine's commands, the texts and what the app keeps itself. */
interface ScreenProps {
  readonly engine: EngineControl;
  readonly t: Catalogue;
  readonly demo: DemoCodes | undefined;
  readonly date: Date;
  readonly panel: ReturnType<typeof frameGeometry>['panel'];
  /** The plan whose upgrade the user asked to cancel. */
  readonly cancelledPlan: unknown;
  readonly screen: ReturnType<typeof screenForState>['screen'];
}

/** The screen for the engine's state. */
function screenOf(state: EngineState, props: ScreenProps): ReactNode {
  switch (state.type) {
    case 'idle':
    case 'waiting-for-card':
    case 'reading-card':
    case 'card-ready':
    case 'awaiting-pin':
    case 'logging-in':
      return cardScreen(state, props);
    case 'awaiting-terms':
    case 'upgrading':
      return upgradeScreen(state, props);
    case 'menu':
    case 'working':
    case 'choosing-certificate':
    case 'choosing-pin':
    case 'operation-result':
    case 'done':
    case 'failed':
      return operationScreen(state, props);
  }
}

/** Steps 1 to 3: the welcome, the card, its PIN, the login. */
function cardScreen(
  state: StateOf<'idle' | 'waiting-for-card' | 'reading-card' | 'card-ready' | 'awaiting-pin' | 'logging-in'>,
  {engine, t, demo, date}: ScreenProps,
): ReactNode {
  switch (state.type) {
    case 'idle':
      return <Welcome demo={demo} onContinue={() => engine.start()} />;
    case 'waiting-for-card':
      return (
        <InsertCard
          readers={state.readers}
          isListed={state.isListed}
          isChoosingReader={state.isChoosingReader}
          missingReader={state.missingReader}
          isReading={false}
          onChooseReader={(name) => engine.chooseReader(name)}
        />
      );
    case 'reading-card':
      return (
        <InsertCard
          readers={[]}
          isListed={false}
          isChoosingReader={false}
          isReading
          readerName={state.readerName}
          onChooseReader={() => undefined}
        />
      );
    case 'card-ready':
      return (
        <CardOverview
          card={state.card}
          now={date}
          onContinue={() =>
            state.card.pinTriesLeft === 0 ? engine.chooseOperation('unblock-pin') : engine.logIn()
          }
        />
      );
    case 'awaiting-pin':
      return (
        <PinEntry
          key={state.request.reason}
          request={state.request}
          pinCount={state.pinCount}
          onSubmit={(pin) => engine.submitPin(pin)}
          onConfirmLastTry={() => engine.confirmLastTry()}
          onCancel={() => engine.cancel()}
        />
      );
    case 'logging-in':
      return <Working label={t.working.loggingIn} />;
  }
}

/** Steps 5 to 9: the terms and the progress of the upgrade. */
function upgradeScreen(
  state: StateOf<'awaiting-terms' | 'upgrading'>,
  {engine, panel, cancelledPlan}: ScreenProps,
): ReactNode {
  switch (state.type) {
    case 'awaiting-terms':
      return (
        <Terms
          terms={state.terms}
          plan={state.plan}
          pinCount={state.card?.pinCount ?? 1}
          panel={panel}
          preparation={state.preparation}
          onAccept={() => engine.acceptTerms()}
          onCancel={() => engine.cancel()}
        />
      );
    case 'upgrading':
      return (
        <Progress
          step={state.step}
          progress={state.progress}
          plan={state.plan}
          installedCount={state.installed.length}
          isCancelling={cancelledPlan === state.plan}
        />
      );
  }
}

/** The menu, operations, their questions and results, done and failures. */
function operationScreen(
  state: StateOf<
    'menu' | 'working' | 'choosing-certificate' | 'choosing-pin' | 'operation-result' | 'done' | 'failed'
  >,
  {engine, t, date, screen}: ScreenProps,
): ReactNode {
  switch (state.type) {
    case 'menu':
      return <Menu identity={state.identity} onChoose={(operation) => engine.chooseOperation(operation)} />;
    case 'working':
      return <Working heading={t.menu.operations[state.operation]} label={t.activities[state.activity]} />;
    case 'choosing-certificate':
      return (
        <CertificateChoice
          certificates={state.certificates}
          onChoose={(serial) => engine.chooseCertificate(serial)}
          onCancel={() => engine.cancel()}
        />
      );
    case 'choosing-pin':
      return (
        <PinChoice
          operation={state.operation}
          choices={state.choices}
          onChoose={(role) => engine.choosePin(role)}
          onCancel={() => engine.cancel()}
        />
      );
    case 'operation-result':
    case 'done':
      if (screen === 'menu') {
        return <Menu identity={state.identity} onChoose={(operation) => engine.chooseOperation(operation)} />;
      }
      return state.type === 'done' ? (
        <Done installed={state.installed} now={date} />
      ) : (
        <OperationResult result={state.result} now={date} />
      );
    case 'failed':
      return (
        <ErrorScreen
          error={state.error}
          wayForward={state.wayForward}
          canRetry={state.canRetry}
          operation={state.operation}
          onRetry={() => engine.retry()}
        />
      );
  }
}

/** The states of the given types. */
type StateOf<Type extends EngineState['type']> = Extract<EngineState, {type: Type}>;

interface CrashBoundaryProps {
  readonly catalogue: Catalogue;
  readonly onCrash?: (error: unknown) => void;
  readonly children: ReactNode;
}

/** A fault in a screen shows the internal-error text (never a stack trace) and is handed to the CLI. */
class CrashBoundary extends Component<CrashBoundaryProps, {hasCrashed: boolean}> {
  override state = {hasCrashed: false};

  static getDerivedStateFromError(): {hasCrashed: boolean} {
    return {hasCrashed: true};
  }

  override componentDidCatch(error: unknown): void {
    this.props.onCrash?.(error);
  }

  override render(): ReactNode {
    if (!this.state.hasCrashed) return this.props.children;
    const {title, detail} = this.props.catalogue.errors.internal({code: 'internal'});
    return <CrashMessage title={title} detail={detail} />;
  }
}

function CrashMessage({title, detail}: {readonly title: string; readonly detail: string}): React.JSX.Element {
  const {styles} = useScreenTheme();
  return (
    <Box flexDirection="column">
      <Text {...styles.danger}>{title}</Text>
      <Text>{detail}</Text>
    </Box>
  );
}
