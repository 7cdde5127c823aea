// Vite: builds the dashboard into dist/ (served by `mre serve` at /), and in development
// proxies /api to a running `mre serve` (MRE_API, default http://127.0.0.1:8080).
import { defineConfig } from 'vite';

const api = process.env.MRE_API || 'http://127.0.0.1:8080';
const proxy = { '/api': { target: api, changeOrigin: true } };

export default defineConfig({
  base: './',
  build: {
    outDir: 'dist',
    target: 'es2020',
    emptyOutDir: true,
    chunkSizeWarningLimit: 250,
  },
  server: { proxy },
  preview: { proxy },
});
