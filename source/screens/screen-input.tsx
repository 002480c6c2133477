import {useInput, type Key} from 'ink';
import React, {createContext, useContext, type ReactNode} from 'react';

const IsScreenInputActive = createContext(true);

/**
 * Turns the keys of every screen below on or off. The app turns them off while the terminal is too small and the
 * screen is hidden (`SizeGate`), so no key acts on what the user cannot see; the screen keeps its state.
 */
export function ScreenInputGate({
  isActive,
  children,
}: {
  readonly isActive: boolean;
  readonly children: ReactNode;
}): React.JSX.Element {
  return <IsScreenInputActive.Provider value={isActive}>{children}</IsScreenInputActive.Provider>;
}

/**
 * Ink's `useInput` for the screens: the handler gets keys only while `isActive` (default true) and the screens'
 * input is on (`ScreenInputGate`). Every screen and input hook reads keys through this, never `useInput` itself.
 */
export function useScreenInput(
  handler: (input: string, key: Key) => void,
  options: {readonly isActive?: boolean} = {},
): void {
  const isGateOpen = useContext(IsScreenInputActive);
  useInput(handler, {isActive: (options.isActive ?? true) && isGateOpen});
}
