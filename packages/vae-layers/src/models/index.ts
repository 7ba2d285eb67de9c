export type { ToLayersModelOptions, VAELayersModels } from './to-layers-model.js';
export { toLayersModel } from './to-layers-model.js';
