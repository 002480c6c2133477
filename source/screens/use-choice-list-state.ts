/** The focus of a choice list. */
export interface ChoiceListState {
  readonly focusedIndex: number;
}

export type ChoiceListAction =
  | {readonly type: 'focus-next'; readonly count: number}
  | {readonly type: 'focus-previous'; readonly count: number}
  | {readonly type: 'focus'; readonly index: number; readonly count: number};

export const initialChoiceListState: ChoiceListState = {focusedIndex: 0};

/** Moves the focus; next and previous wrap around, an index outside the list is ignored. Pure. */
export function choiceListReducer(state: ChoiceListState, action: ChoiceListAction): ChoiceListState {
  if (action.count <= 0) return initialChoiceListState;
  const current = Math.min(state.focusedIndex, action.count - 1);
  switch (action.type) {
    case 'focus-next':
      return {focusedIndex: (current + 1) % action.count};
    case 'focus-previous':
      return {focusedIndex: (current - 1 + action.count) % action.count};
    case 'focus':
      return action.index >= 0 && action.index < action.count ? {focusedIndex: action.index} : state;
  }
}
