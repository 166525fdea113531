// The theme chosen with the console's toggle, applied before the first paint; without a choice the
// stylesheet follows prefers-color-scheme.
try {
  const t = localStorage.getItem('dtc-theme');
  if (t === 'light' || t === 'dark') document.documentElement.dataset.theme = t;
} catch {
  // storage refused (private mode, policy): the system's theme applies
}
