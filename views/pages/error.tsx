import { Layout } from '../layout';

export function ErrorPage(props: { status: number; message: string }) {
  return (
    <Layout title={props.status === 404 ? 'Not found' : 'Error'}>
      <h1>{props.status === 404 ? 'Not found' : 'Something went wrong'}</h1>
      <div class="error-box">{props.message}</div>
      <p>
        <a href="/">Back to the start</a>
      </p>
    </Layout>
  );
}
