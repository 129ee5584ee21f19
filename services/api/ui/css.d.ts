/** esbuild bundles the stylesheet imported by main.ts into assets/app.css. */
declare module '*.css';
