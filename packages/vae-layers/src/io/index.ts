export type { LayersModelSource } from './load-layers-model.js';
export { explainLoadError, loadLayersModelWithVAELayers, VAE_LAYER_CLASS_NAMES } from './load-layers-model.js';
export type { LayersModelDestination } from './save-layers-model.js';
export { saveLayersModel } from './save-layers-model.js';
