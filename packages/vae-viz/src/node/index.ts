/**
 * Node-only file writers of `@vae/viz`: PNG, GIF and SVG files and the HTML training report,
 * each written atomically (a temporary file renamed into place).
 *
 * Everything that computes pictures is in the main entry, `@vae/viz`, which also runs in browsers.
 *
 * @module @vae/viz/node
 */

export { writeGif, writePng, writeSvg, writeTrainingReport } from './writers.js';
