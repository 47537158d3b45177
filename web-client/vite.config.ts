// Vite + Vitest configuration for the hashchat web client.
// Build: `npm run build` writes web-client/dist, which the C++ server serves.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { brotliCompressSync, constants, crc32, deflateSync, gzipSync } from 'node:zlib';
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
      outDir = resolve(config.root, config.build.outDir);
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

/**
 * A square PNG icon: a white "#" on hashchat's blue, drawn from rectangles (no image tool needed
 * at build time). Installing the client as an app needs a 192 and a 512 px icon.
 */
function iconPng(size: number): Buffer {
  const blue = [0x1d, 0x4e, 0x89];
  const bar = (v: number, from: number, to: number) => v >= from * size && v < to * size;
  const raw = Buffer.alloc((size * 3 + 1) * size);
  for (let y = 0; y < size; y++) {
    raw[y * (size * 3 + 1)] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      const inner = bar(x, 0.22, 0.78) && bar(y, 0.22, 0.78);
      const hash = inner && (bar(x, 0.36, 0.44) || bar(x, 0.56, 0.64) || bar(y, 0.36, 0.44) || bar(y, 0.56, 0.64));
      const o = y * (size * 3 + 1) + 1 + x * 3;
      for (let c = 0; c < 3; c++) raw[o + c] = hash ? 0xff : blue[c];
    }
  }
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * Makes the client installable and usable with no signal: writes the web manifest and its icons,
 * and sw.js (from sw.template.js) with the list of every file of the build to precache (the shell,
 * every screen's chunk and every catalogue) and the build's version. The version is
 * $HASHCHAT_CLIENT_VERSION when set (tests build or fake a second version with it), else a hash of
 * the hashed file names, so it changes exactly when the code does; index.html carries it in
 * <meta name="hashchat-version"> for the page's "hashchat was updated" notice.
 */
function offlineApp(): Plugin {
  let root = '';
  return {
    name: 'hashchat-offline-app',
    apply: 'build',
    enforce: 'post',
    configResolved(config) {
      root = config.root;
    },
    generateBundle(_options, bundle) {
      const icons = [192, 512].map((size) => {
        const fileName = `icon-${size}.png`;
        this.emitFile({ type: 'asset', fileName, source: iconPng(size) });
        return { src: `/${fileName}`, sizes: `${size}x${size}`, type: 'image/png', purpose: 'any maskable' };
      });
      const manifest = {
        name: 'hashchat',
        short_name: 'hashchat',
        description: 'Timed Q&A chats for evenings like #PubPD',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        background_color: '#ffffff',
        theme_color: '#1d4e89',
        icons,
      };
      this.emitFile({ type: 'asset', fileName: 'manifest.webmanifest', source: `${JSON.stringify(manifest, null, 2)}\n` });
      const files = Object.keys(bundle).filter((f) => !f.endsWith('.map') && f !== 'index.html').sort();
      const version =
        process.env.HASHCHAT_CLIENT_VERSION ?? createHash('sha256').update(files.join('\n')).digest('hex').slice(0, 12);
      if (!/^[A-Za-z0-9._-]{1,40}$/.test(version)) throw new Error(`bad HASHCHAT_CLIENT_VERSION: ${version}`);
      const html = bundle['index.html'];
      if (html?.type === 'asset') {
        html.source = String(html.source).replace(
          '</head>',
          `  <meta name="hashchat-version" content="${version}" />\n    <link rel="manifest" href="/manifest.webmanifest" />\n    <link rel="apple-touch-icon" href="/icon-192.png" />\n  </head>`,
        );
      }
      const precache = ['/index.html', '/manifest.webmanifest', ...icons.map((i) => i.src), ...files.map((f) => `/${f}`)];
      const template = readFileSync(resolve(root, 'sw.template.js'), 'utf8');
      const sw = template.replace('__VERSION__', JSON.stringify(version)).replace('__PRECACHE__', JSON.stringify(precache));
      this.emitFile({ type: 'asset', fileName: 'sw.js', source: sw });
    },
  };
}

// During `npm run dev`, API and WebSocket calls go to a locally running hashchat server.
const devServer = process.env.HASHCHAT_DEV_SERVER ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: 'web-client',
  base: '/',
  plugins: [offlineApp(), precompress()],
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
