// Vite + Vitest configuration for the hashchat web client.
// Build: `npm run build` writes web-client/dist, which the C++ server serves.
import { defineConfig } from 'vitest/config';

// During `npm run dev`, API and WebSocket calls go to a locally running hashchat server.
const devServer = process.env.HASHCHAT_DEV_SERVER ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: 'web-client',
  base: '/',
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
