// Sign in with a user name and password: the API sets the session cookie and returns the CSRF token.
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, setCsrfToken } from '../api/client.ts';
import type { Me } from '../api/types.ts';

export function SignIn({ problem }: { problem?: string }) {
  const qc = useQueryClient();
  const [error, setError] = useState<string | undefined>(problem);
  const [busy, setBusy] = useState(false);
  const submit = async (e: React.FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError(undefined);
    try {
      const me = await api<Me>('/api/auth/login', {
        method: 'POST',
        body: { user: String(form.get('user')), password: String(form.get('password')) },
      });
      setCsrfToken(me.csrfToken);
      qc.setQueryData(['me'], me);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" className="signin">
      <form onSubmit={submit} aria-labelledby="signin-title">
        <h1 id="signin-title">Sign in to darktrace-hub</h1>
        <label>
          User
          <input name="user" autoComplete="username" required />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="hint">
          A first start writes the <code>admin</code> user’s password to <code>data/admin-password</code>.
        </p>
      </form>
    </main>
  );
}
