// Vite + Vitest configuration for the hashchat web client.
// Build: `npm run build` writes web-client/dist, which the C++ server serves.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

/**
 * Precompresses the built text files (HTML, JS, CSS, SVG, JSON, the manifest) at the highest
 * levels, as file.br and file.gz beside each: the server sends the one the browser accepts,
 * with no compression work per request.
 */
function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'hashchat-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = join(config.root, config.build.outDir);
    },
    closeBundle() {
      const walk = (dir: string): string[] =>
        readdirSync(dir).flatMap((name) => {
          const p = join(dir, name);
          return statSync(p).isDirectory() ? walk(p) : [p];
        });
      for (const file of walk(outDir)) {
        if (!/\.(html|js|mjs|css|svg|json|webmanifest|txt)$/.test(file)) continue;
        const body = readFileSync(file);
        writeFileSync(`${file}.gz`, gzipSync(body, { level: 9 }));
        writeFileSync(
          `${file}.br`,
          brotliCompressSync(body, {
            params: {
              [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
              [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
            },
          }),
        );
      }
    },
  };
}

// During `npm run dev`, API and WebSocket calls go to a locally running hashchat server.
const devServer = process.env.HASHCHAT_DEV_SERVER ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: 'web-client',
  base: '/',
  plugins: [precompress()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2020',
    sourcemap: true,
  },
  server: {
    proxy: {
      '/api': devServer,
      '/ws': { target: devServer.replace(/^http/, 'ws'), ws: true },
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
