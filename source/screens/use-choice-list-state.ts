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

/** The choices shown of a list too long for its rows: `start` to `end` (exclusive), and how many are hidden. */
export interface ChoiceWindow {
  readonly start: number;
  readonly end: number;
  readonly hiddenAbove: number;
  readonly hiddenBelow: number;
}

/**
 * Which choices a list of `maxRows` rows shows, each choice `heights[i]` rows tall: all of them when they fit;
 * otherwise a window around the focused choice (one row above and one below are kept for the "more" lines), as
 * many choices on each side as fit, taken in turn below and above so the focus stays near the middle. The focused
 * choice is always shown, even when it alone is taller than the rows. Pure.
 */
export function choiceWindow(
  heights: readonly number[],
  focusedIndex: number,
  maxRows: number,
): ChoiceWindow {
  const total = heights.length;
  if (heights.reduce((sum, height) => sum + height, 0) <= maxRows)
    return {start: 0, end: total, hiddenAbove: 0, hiddenBelow: 0};
  const focused = Math.min(Math.max(0, focusedIndex), total - 1);
  const rows = maxRows - 2;
  let start = focused;
  let end = focused + 1;
  let used = heights[focused] ?? 0;
  for (let isGrowing = true; isGrowing;) {
    isGrowing = false;
    if (end < total && used + heights[end]! <= rows) {
      used += heights[end++]!;
      isGrowing = true;
    }
    if (start > 0 && used + heights[start - 1]! <= rows) {
      used += heights[--start]!;
      isGrowing = true;
    }
  }
  return {start, end, hiddenAbove: start, hiddenBelow: total - end};
}
