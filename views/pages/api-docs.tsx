import { Layout } from '../layout';

/** The API reference: Swagger UI (served from /static, never a CDN) reading /api/v1/openapi.json. */
export function ApiDocsPage(props: { documentUrl: string }) {
  return (
    <Layout
      title="API reference"
      head={
        <>
          <link rel="stylesheet" href="/static/swagger-ui.css" />
          <script src="/static/swagger-ui-bundle.js" defer></script>
          <script src="/static/api-docs.js" defer></script>
        </>
      }
    >
      <h1>API reference</h1>
      <p class="muted">
        The JSON API, generated from the routes themselves: <a href={props.documentUrl}>{props.documentUrl}</a>. The OpenAI-compatible
        gateway under <code>/v1</code> speaks OpenAI's API.
      </p>
      <div id="swagger-ui" data-url={props.documentUrl}></div>
    </Layout>
  );
}
