import {Box, Text} from 'ink';
import React from 'react';
import type {LoggedInIdentity, Operation} from '../upgrade/state.js';
import {ChoiceList} from './choice-list.js';
import {useCatalogue} from './i18n/catalogue-context.js';
import {Paragraph} from './paragraph.js';
import {useScreenTheme} from './theme.js';

/** The menu of step 4, in the order staff see it; "Upgrade card" first. */
export const MENU_OPERATIONS: readonly Operation[] = [
  'upgrade',
  'list-certificates',
  'test-eid',
  'change-pin',
  'unblock-pin',
  'refetch',
  'revoke',
];

export interface MenuProps {
  readonly identity?: LoggedInIdentity;
  readonly onChoose: (operation: Operation) => void;
}

/** Step 4: choose Upgrade card, or another operation. */
export function Menu({identity, onChoose}: MenuProps): React.JSX.Element {
  const t = useCatalogue();
  const {styles} = useScreenTheme();
  return (
    <Box flexDirection="column" gap={1}>
      <Text {...styles.heading}>{t.menu.heading}</Text>
      {identity !== undefined && (
        <Paragraph {...styles.muted}>{t.menu.loggedInAs(identity.name, identity.hsaId)}</Paragraph>
      )}
      <ChoiceList
        options={MENU_OPERATIONS.map((operation) => ({label: t.menu.operations[operation]}))}
        onSubmit={(index) => {
          const operation = MENU_OPERATIONS[index];
          if (operation !== undefined) onChoose(operation);
        }}
      />
    </Box>
  );
}
