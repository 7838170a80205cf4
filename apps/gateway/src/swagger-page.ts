import path from 'node:path';

/** Where swagger-ui-dist's assets are on disk; the gateway serves them under /swagger-ui/. */
export const SWAGGER_ASSETS_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The combined page: Swagger UI's standalone layout with one entry per routed service. */
export function combinedSwaggerPage(prefixes: readonly string[]): string {
  const urls = prefixes.map((prefix) => ({ name: prefix.slice(1), url: `.${prefix}/v3/api-docs` }));
  // JSON inside a <script>: escape "<" so no value can close the tag.
  const config = JSON.stringify({ urls, dom_id: '#swagger-ui', deepLinking: true }).replace(
    /</g,
    '\\u003c',
  );
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>${escapeHtml('Storefront APIs')}</title>
  <link rel="stylesheet" href="./swagger-ui/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="./swagger-ui/swagger-ui-bundle.js"></script>
  <script src="./swagger-ui/swagger-ui-standalone-preset.js"></script>
  <script src="./swagger-ui/storefront-init.js"></script>
  <script type="application/json" id="swagger-config">${config}</script>
</body>
</html>`;
}

/** Served as a file (not inline) so the page works under a strict Content-Security-Policy. */
export const SWAGGER_INIT_JS = `window.onload = function () {
  var config = JSON.parse(document.getElementById('swagger-config').textContent);
  config.presets = [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset];
  config.layout = 'StandaloneLayout';
  window.ui = SwaggerUIBundle(config);
};
`;
