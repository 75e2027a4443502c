// Builds the UI into internal/web/dist/ui, which the Go package
// internal/web embeds into the vnetmap binary. No plugin: esbuild compiles
// the Preact TSX directly.
import { defineConfig } from 'vitest/config'

export default defineConfig({
  base: '/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: '../internal/web/dist/ui',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 700,
  },
  server: {
    // `npx vite` during development: the API of a running `vnetmap demo`.
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
})
