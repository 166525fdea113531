// Light and dark: the system's choice (prefers-color-scheme) until the toggle picks one, kept in
// localStorage and applied before the first paint by /assets/theme.js.
import { useEffect, useState } from 'react';

export type Theme = 'light' | 'dark';
const KEY = 'dtc-theme';
const media = window.matchMedia('(prefers-color-scheme: dark)');

function effective(): Theme {
  const chosen = document.documentElement.dataset.theme;
  if (chosen === 'light' || chosen === 'dark') return chosen;
  return media.matches ? 'dark' : 'light';
}

export function useTheme(): [Theme, () => void] {
  const [theme, setTheme] = useState(effective);
  useEffect(() => {
    const onChange = () => setTheme(effective());
    media.addEventListener('change', onChange);
    return () => media.removeEventListener('change', onChange);
  }, []);
  const toggle = () => {
    const next: Theme = effective() === 'dark' ? 'light' : 'dark';
    document.documentElement.dataset.theme = next;
    try {
      localStorage.setItem(KEY, next);
    } catch {
      // storage refused: the choice lasts until the page is reloaded
    }
    setTheme(next);
  };
  return [theme, toggle];
}
