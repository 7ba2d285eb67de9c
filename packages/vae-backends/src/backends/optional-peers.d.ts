// The optional backends are imported only for their side effect (registering a backend), so no
// types are needed, and they are usually not installed.
declare module '@tensorflow/tfjs-node';
declare module '@tensorflow/tfjs-node-gpu';
declare module '@tensorflow/tfjs-backend-webgl';
declare module '@tensorflow/tfjs-backend-webgpu';
