// Builds the admin console into dist/console (part of `npm run build`). The app is served by
// keyward itself under /console/ (functions/console/static.ts), hence the base.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

const here = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root: here,
  base: "/console/",
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL("../dist/console", import.meta.url)),
    emptyOutDir: true,
    // Fluent UI is one large chunk; the console is an admin tool loaded once per session.
    chunkSizeWarningLimit: 2000,
    sourcemap: false,
  },
  logLevel: "warn",
});
