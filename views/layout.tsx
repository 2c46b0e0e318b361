import type { Child } from 'hono/jsx';

export const NAV = [
  { href: '/inference', label: 'Inference' },
  { href: '/compare', label: 'Compare' },
  { href: '/studies', label: 'Studies' },
  { href: '/calls', label: 'Calls' },
  { href: '/groups', label: 'Groups' },
  { href: '/conversations', label: 'Chats' },
  { href: '/embeddings', label: 'Embeddings' },
  { href: '/analytics', label: 'Analytics' },
  { href: '/prices', label: 'Prices' },
  { href: '/api-docs', label: 'API' },
];

export function Layout(props: { title: string; children: Child; head?: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · Study Query LLM`}</title>
        <link rel="icon" href="/static/favicon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href="/static/app.css" />
        <script src="/static/htmx.min.js" defer></script>
        {props.head}
      </head>
      <body>
        <header class="topbar">
          <a class="brand" href="/">
            Study Query LLM
          </a>
          <nav>
            {NAV.map((item) => (
              <a href={item.href}>{item.label}</a>
            ))}
          </nav>
        </header>
        <main>{props.children}</main>
      </body>
    </html>
  );
}
