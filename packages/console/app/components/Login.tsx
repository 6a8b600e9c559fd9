/** The sign-in page. */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError } from '../api.js';
import { useConsole } from '../hooks.js';

/** Email and password; the JWT goes to sessionStorage (this tab only). */
export function Login(): JSX.Element {
  const { t, controller, locale, setLocale } = useConsole();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await controller.signIn(email.trim(), password);
    } catch (err) {
      setError(err instanceof ApiError && (err.status === 401 || err.status === 400) ? t('login.failed') : t('error.generic', { message: err instanceof Error ? err.message : String(err) }));
      setBusy(false);
    }
  };
  return (
    <main class="login">
      <form class="login-card" onSubmit={(e) => void submit(e)} aria-describedby={error ? 'login-error' : undefined}>
        <div class="login-brand">
          <span class="logo logo-large" aria-hidden="true">客</span>
          <span class="brand-name">{t('app.name')}</span>
        </div>
        <h1>{t('login.title')}</h1>
        <p class="muted">{t('login.subtitle')}</p>
        <label class="field">
          <span>{t('login.email')}</span>
          <input type="email" name="email" autoComplete="username" required value={email} onInput={(e) => setEmail((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <label class="field">
          <span>{t('login.password')}</span>
          <input type="password" name="password" autoComplete="current-password" required value={password} onInput={(e) => setPassword((e.currentTarget as HTMLInputElement).value)} />
        </label>
        {error && (
          <p class="form-error" id="login-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="btn btn-primary btn-block" disabled={busy}>
          {busy ? t('login.busy') : t('login.submit')}
        </button>
        <button type="button" class="link lang-switch" onClick={() => setLocale(locale === 'zh' ? 'en' : 'zh')} aria-label={t('lang.label')} lang={locale === 'zh' ? 'en' : 'zh'}>
          {t('lang.switch')}
        </button>
      </form>
    </main>
  );
}
