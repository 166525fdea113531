// Keyboard triage: which key does what where. The mapping is pure (a key and where focus is → an
// action) so it is tested without a browser; the pages carry the actions out.

export type KeyAction =
  | 'next'
  | 'previous'
  | 'open'
  | 'acknowledge'
  | 'comment'
  | 'search'
  | 'help'
  | 'close';

export const KEYS: { key: string; action: KeyAction; does: string }[] = [
  { key: 'j', action: 'next', does: 'next result' },
  { key: 'k', action: 'previous', does: 'previous result' },
  { key: 'Enter', action: 'open', does: 'open the selected detection' },
  { key: 'a', action: 'acknowledge', does: 'acknowledge (open detection, analysts)' },
  { key: 'c', action: 'comment', does: 'comment on the open detection (analysts)' },
  { key: '/', action: 'search', does: 'focus the search box' },
  { key: '?', action: 'help', does: 'show these keys' },
  { key: 'Escape', action: 'close', does: 'close this list, leave the search box' },
];

/** The action for a key press, or undefined. In a text field only Escape counts (the rest is typing). */
export function keyAction(
  e: { key: string; ctrlKey?: boolean; metaKey?: boolean; altKey?: boolean },
  target: { tagName?: string; isContentEditable?: boolean; type?: string } | null,
): KeyAction | undefined {
  if (e.ctrlKey || e.metaKey || e.altKey) return undefined;
  const tag = target?.tagName?.toUpperCase();
  const typing =
    target?.isContentEditable ||
    tag === 'TEXTAREA' ||
    tag === 'SELECT' ||
    (tag === 'INPUT' && !['checkbox', 'radio', 'button', 'submit'].includes(target?.type ?? 'text'));
  if (typing) return e.key === 'Escape' ? 'close' : undefined;
  // Enter on a button or link is that control's own click.
  if (e.key === 'Enter' && (tag === 'BUTTON' || tag === 'A')) return undefined;
  return KEYS.find((k) => k.key === e.key)?.action;
}
