import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { earlyTopologyUrls, GATEWAY_ID_SLOT } from './src/data/topology.js';

/**
 * A gateway's page opened by URL: index.html's inline script asks for the page's first topology data and
 * preloads the page's chunk while the HTML is parsed, instead of after the entry script has arrived and run
 * (`data/topology.ts` takes the two answers; docs/benchmarks/ui.md, 2026-12-04).
 */
function earlyGatewayPage(): Plugin {
  return {
    name: 'epic-early-gateway-page',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(_html, ctx) {
        const chunks = Object.values(ctx.bundle ?? {});
        const page = chunks.find(
          (c) => c.type === 'chunk' && c.facadeModuleId?.endsWith('/src/features/gateway-detail.tsx'),
        );
        const entry = chunks.find((c) => c.type === 'chunk' && c.isEntry);
        const preload =
          page && page.type === 'chunk'
            ? [page.fileName, ...page.imports.filter((f) => f !== entry?.fileName)].map((f) => `/${f}`)
            : [];
        const urls = earlyTopologyUrls();
        // Plain ES5 in the page: the two first queries, the session, then each route page as soon as the one
        // before it says its cursor (until the loader asks for one itself), and the page's chunk.
        const script = [
          '(function(){',
          'var m=/^\\/gateways\\/([0-9a-f-]{36})$/.exec(location.pathname);if(!m)return;',
          "var o={credentials:'same-origin',headers:{accept:'application/json'}};",
          `var E={gatewayId:m[1],routes:{},topology:fetch(${JSON.stringify(urls.topology)}.replace(${JSON.stringify(GATEWAY_ID_SLOT)},m[1]),o),slices:fetch(${JSON.stringify(urls.slices)},o),session:fetch('/auth/session',o)};`,
          'window.__epicEarlyTopology=E;',
          'function next(p){p.then(function(r){return r.ok?r.clone().json():null}).then(function(b){',
          'var i=b&&b.data&&b.data.routes&&b.data.routes.pageInfo;if(E.stop||!i||!i.hasNextPage||!i.endCursor)return;',
          `var q=new URLSearchParams({query:${JSON.stringify(urls.routesQuery)},variables:JSON.stringify({id:m[1],first:${urls.routePage},after:i.endCursor})});`,
          "var n=fetch('/graphql?'+q.toString(),o);E.routes[i.endCursor]=n;next(n);",
          '}).catch(function(){});}',
          'next(E.topology);E.slices.catch(function(){});E.session.catch(function(){});',
          `${JSON.stringify(preload)}.forEach(function(f){var l=document.createElement('link');l.rel='modulepreload';l.href=f;document.head.appendChild(l);});`,
          '})();',
        ].join('');
        return [{ tag: 'script', children: script, injectTo: 'head-prepend' }];
      },
    },
  };
}

// The Service Manager's bundle: built into apps/web/dist, which apps/api serves on its own port.
// Pages are separate chunks (React.lazy); the first page loads only the shell and the sign-in page.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react(), earlyGatewayPage()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // WEB_MINIFY=false keeps names readable in a CPU profile (`BENCH_PROFILE=1 npm run bench -- ui`).
    minify: process.env.WEB_MINIFY !== 'false',
    reportCompressedSize: false,
  },
});
