// The sign-in form shown when STUDY_ACCESS_TOKEN is set and the browser has no session yet.
import { Layout } from '../layout';

export function LoginPage(props: { next: string; failed?: boolean }) {
  return (
    <Layout title="Sign in">
      <h1>Sign in</h1>
      <p>This workbench is protected by an access token (the server's <code>STUDY_ACCESS_TOKEN</code>).</p>
      {props.failed ? (
        <p class="error-box" role="alert">
          That token is not right.
        </p>
      ) : null}
      <form class="panel" method="post" action="/login">
        <input type="hidden" name="next" value={props.next} />
        <label>
          Access token{' '}
          <input type="password" name="token" autocomplete="current-password" required autofocus />
        </label>{' '}
        <button type="submit">Sign in</button>
      </form>
    </Layout>
  );
}
