import { useEffect, useRef, useState } from 'preact/hooks';

interface TokenFormProps {
  /** The reason the token is requested again, such as a rejected token. It is shown above the field. */
  reason: string | undefined;
  onSubmit: (token: string) => void;
}

/** Asks for the bearer token when the server requires one. */
export function TokenForm({ reason, onSubmit }: TokenFormProps) {
  const [token, setToken] = useState('');
  const input = useRef<HTMLTextAreaElement>(null);

  useEffect(() => input.current?.focus(), []);

  const submit = (event: Event): void => {
    event.preventDefault();
    const trimmed = token.trim().replace(/^Bearer\s+/i, '');
    if (trimmed !== '') onSubmit(trimmed);
  };

  return (
    <main id="main" class="token-page">
      <form class="token-form" onSubmit={submit} aria-labelledby="token-title">
        <h1 id="token-title">Sign in to Faultline</h1>
        <p>This Faultline requires a bearer token (a JWT with the viewer or operator role). The token is kept in this tab only and is gone when the tab closes.</p>
        {reason !== undefined && (
          <p class="error" role="alert">
            <span aria-hidden="true">✕ </span>
            {reason}
          </p>
        )}
        <label for="token-input">Token</label>
        <textarea id="token-input" ref={input} rows={4} spellcheck={false} autocomplete="off" value={token} onInput={(event) => setToken(event.currentTarget.value)} required />
        <button type="submit">Sign in</button>
      </form>
    </main>
  );
}
