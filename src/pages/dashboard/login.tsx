import { Layout } from './layout.js';

/** CONTROL_TOKEN is set and this browser has no session: the token, once, in a form (never in a URL). */
export function LoginPage(props: { base: string; wrong: boolean }) {
  return (
    <Layout title="Dashboard locked · mcp-oauth-test-server" base={props.base}>
      <main class="login">
        <h1>The control plane is locked</h1>
        <p>This server has a CONTROL_TOKEN. Enter it once: the answer sets an HttpOnly session cookie for this browser, and the token itself is never kept in the page or a URL.</p>
        {props.wrong ? (
          <p class="error" role="alert">
            Wrong CONTROL_TOKEN.
          </p>
        ) : null}
        <form method="post" action={`${props.base}/dashboard/login`}>
          <label for="token">CONTROL_TOKEN</label>
          <input id="token" name="token" type="password" autocomplete="current-password" required autofocus />
          <button type="submit">open the dashboard</button>
        </form>
      </main>
    </Layout>
  );
}
