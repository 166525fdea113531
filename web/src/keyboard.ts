// One keydown listener for the whole console: it maps the key (lib/keys.ts) and calls what the page on
// screen registered for it, so j/k/Enter/a mean the right thing on each page.
import { useEffect, useRef } from 'react';
import { type KeyAction, keyAction } from './lib/keys.ts';

type Handlers = Partial<Record<KeyAction, () => void>>;
const stack: { current: Handlers }[] = [];

export function installKeyboard(global: Handlers): () => void {
  const onKey = (e: KeyboardEvent) => {
    const action = keyAction(e, e.target as HTMLElement | null);
    if (!action) return;
    // The page on screen first (the last registered), then the console's own keys.
    for (let i = stack.length - 1; i >= -1; i--) {
      const f = i >= 0 ? stack[i].current[action] : global[action];
      if (f) {
        e.preventDefault();
        f();
        return;
      }
    }
  };
  window.addEventListener('keydown', onKey);
  return () => window.removeEventListener('keydown', onKey);
}

/** Registers a page's key handlers while it is shown (the latest closures, without re-registering). */
export function useKeys(handlers: Handlers): void {
  const ref = useRef(handlers);
  ref.current = handlers;
  useEffect(() => {
    stack.push(ref);
    return () => {
      stack.splice(stack.indexOf(ref), 1);
    };
  }, []);
}
