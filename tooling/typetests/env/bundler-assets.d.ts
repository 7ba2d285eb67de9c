// What a bundler project declares for asset imports, so snippets written for one type-check as they
// do there. Vite projects get this from `vite/client` (`/// <reference types="vite/client" />`):
// `import url from './file.wasm?url'` is the file's final URL as a string.
declare module '*?url' {
  const url: string;
  export default url;
}
