import { useEffect, useState } from 'react';

type Theme = 'light' | 'dark';

function initialTheme(): Theme {
  const saved = localStorage.getItem('epic-theme');
  if (saved === 'light' || saved === 'dark') return saved;
  return window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

/** Light and dark themes; the choice is kept in localStorage, `?theme=dark` in the URL forces one. */
export function ThemeToggle() {
  const [theme, setTheme] = useState<Theme>(() => {
    const forced = new URLSearchParams(window.location.search).get('theme');
    return forced === 'light' || forced === 'dark' ? forced : initialTheme();
  });
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    localStorage.setItem('epic-theme', theme);
  }, [theme]);
  const next = theme === 'dark' ? 'light' : 'dark';
  return (
    <button
      type="button"
      className="theme-toggle"
      aria-label={`Switch to the ${next} theme`}
      onClick={() => setTheme(next)}
    >
      {theme === 'dark' ? '☀ Light' : '☾ Dark'}
    </button>
  );
}
