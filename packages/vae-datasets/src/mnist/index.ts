export {
  loadEmbeddedMnistArrays,
  loadMnist,
  MNIST_CLASS_NAMES,
  type MnistOptions,
  type TrainTestSplit,
} from './load-mnist.js';
