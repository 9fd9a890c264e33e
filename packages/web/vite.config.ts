import { defineConfig } from 'vite';

// Relative asset URLs: the build works from any path (the CLI's `tlslens ui` server, a file host).
export default defineConfig({
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 2048,
    // the worker bundle (the whole core) takes a few seconds on a busy machine: not worth a warning
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
  worker: { format: 'es' },
});
