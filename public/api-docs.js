// Starts Swagger UI on the API reference page (a file, not an inline script: the pages' CSP allows only our own scripts).
document.addEventListener('DOMContentLoaded', () => {
  const root = document.getElementById('swagger-ui');
  if (!root || typeof SwaggerUIBundle !== 'function') return;
  SwaggerUIBundle({ url: root.dataset.url, domNode: root, deepLinking: true, defaultModelsExpandDepth: -1 });
});
