/** The terms screen's own state: how far the text is scrolled, whether "I accept" is ticked. */
export interface TermsState {
  /** Index of the first visible line. */
  readonly offset: number;
  readonly isAccepted: boolean;
  /** START DOWNLOAD was pressed before the box was ticked. */
  readonly isTickNeeded: boolean;
}

export type TermsAction =
  | {readonly type: 'scrolled'; readonly by: number; readonly total: number; readonly visible: number}
  | {
      readonly type: 'scrolled-to';
      readonly end: 'start' | 'end';
      readonly total: number;
      readonly visible: number;
    }
  | {readonly type: 'toggled'}
  | {readonly type: 'start-refused'};

export const initialTermsState: TermsState = {offset: 0, isAccepted: false, isTickNeeded: false};

/** The largest offset that still fills the view. */
function lastOffset(total: number, visible: number): number {
  return Math.max(0, total - visible);
}

/** Pure: scrolling stays within the text; ticking toggles; a refused start asks for the tick. */
export function termsReducer(state: TermsState, action: TermsAction): TermsState {
  switch (action.type) {
    case 'scrolled': {
      const offset = Math.min(
        Math.max(0, state.offset + action.by),
        lastOffset(action.total, action.visible),
      );
      return {...state, offset};
    }
    case 'scrolled-to':
      return {...state, offset: action.end === 'start' ? 0 : lastOffset(action.total, action.visible)};
    case 'toggled':
      return {...state, isAccepted: !state.isAccepted, isTickNeeded: false};
    case 'start-refused':
      return {...state, isTickNeeded: true};
  }
}

/** Breaks `text` into lines of at most `width` columns: paragraphs kept, words wrapped, long words split. */
export function wrapLines(text: string, width: number): string[] {
  const lines: string[] = [];
  const columns = Math.max(1, width);
  for (const paragraph of text.replace(/\r\n/g, '\n').split('\n')) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter((part) => part.length > 0)) {
      let rest = word;
      while (rest.length > columns) {
        if (line.length > 0) lines.push(line);
        lines.push(rest.slice(0, columns));
        rest = rest.slice(columns);
        line = '';
      }
      if (line.length === 0) line = rest;
      else if (line.length + 1 + rest.length <= columns) line += ` ${rest}`;
      else {
        lines.push(line);
        line = rest;
      }
    }
    lines.push(line);
  }
  while (lines.length > 0 && lines.at(-1) === '') lines.pop();
  return lines;
}
