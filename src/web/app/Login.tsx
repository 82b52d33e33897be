import { useState } from 'preact/hooks';
import { login, type Session } from './api.js';

/** The token hearthd printed (or RUNTIME_DIR/web-token), or a password configured in hearth.toml. */
export function Login(props: { onLogin(s: Session): void; failed: boolean }) {
  const [secret, setSecret] = useState('');
  const [mode, setMode] = useState<'token' | 'password'>('token');
  const [error, setError] = useState(props.failed ? 'That login link was not valid.' : '');
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      props.onLogin(await login(mode === 'token' ? { token: secret.trim() } : { password: secret }));
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <form class="login" onSubmit={submit}>
      <h1>hearth</h1>
      <fieldset>
        <legend>Log in with</legend>
        <label>
          <input type="radio" name="mode" checked={mode === 'token'} onChange={() => setMode('token')} /> the token hearthd printed
        </label>
        <label>
          <input type="radio" name="mode" checked={mode === 'password'} onChange={() => setMode('password')} /> a password
        </label>
      </fieldset>
      <label>
        {mode === 'token' ? 'Token' : 'Password'}
        <input type="password" autoComplete={mode === 'token' ? 'off' : 'current-password'} value={secret} onInput={(e) => setSecret((e.target as HTMLInputElement).value)} required />
      </label>
      {error && <p role="alert" class="error">{error}</p>}
      <button type="submit">Log in</button>
    </form>
  );
}
