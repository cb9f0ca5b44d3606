/** Stylesheets imported for their side effect; esbuild collects them into assets/app.css. */
declare module '*.css';
