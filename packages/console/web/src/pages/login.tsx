import { useState } from 'preact/hooks';
import { login } from '../api';
import type { User } from '../types';

export function LoginPage({ onLogin }: { onLogin: (u: User) => void }) {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    setBusy(true);
    setError('');
    try {
      const r = await login(String(form.get('userName') ?? ''), String(form.get('password') ?? ''));
      onLogin(r.user);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login" id="main">
      <h1>bmc-emu console</h1>
      <p>Log in with a Redfish account of this bmc-emu.</p>
      <form onSubmit={submit} aria-describedby={error ? 'login-error' : undefined}>
        <label for="userName">User name</label>
        <input id="userName" name="userName" autoComplete="username" required autoFocus />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autoComplete="current-password" required />
        <button type="submit" disabled={busy}>
          {busy ? 'Logging in...' : 'Log in'}
        </button>
        {error && (
          <p id="login-error" class="error" role="alert">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}
