import { ModelFormatError } from '../errors/index.js';
import type { NetworkSource } from './model-artifacts.js';
import { failNetwork } from './network-failure.js';

/** Topology fields that size a layer's weights: each is a factor of some weight tensor's size. */
const SIZE_KEYS = new Set([
  'units',
  'filters',
  'kernel_size',
  'kernelSize',
  'input_dim',
  'inputDim',
  'output_dim',
  'outputDim',
  'depth_multiplier',
  'depthMultiplier',
]);
/** Layer classes that are models: they start with one node of their own (inputs to outputs). */
const CONTAINERS = new Set(['Model', 'Functional', 'Sequential']);

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Refuses a topology whose layer sizes exceed the weights stored with it: a dense layer of
 * `units` has a kernel of `inputs x units` values, so no honest size field is larger than the
 * number of stored values. Catches a doctored `units: 1e9` before tfjs allocates it.
 */
function checkSizes(topology: unknown, limit: number, source: NetworkSource): void {
  const stack: unknown[] = [topology];
  while (stack.length > 0) {
    const node = stack.pop();
    if (Array.isArray(node)) {
      stack.push(...node);
    } else if (isObject(node)) {
      for (const [key, value] of Object.entries(node)) {
        if (SIZE_KEYS.has(key)) {
          for (const size of Array.isArray(value) ? value : [value]) {
            if (typeof size === 'number' && !(size <= limit)) {
              failNetwork(
                source,
                `declares a layer with ${key} ${size}, but its weights hold only ${limit} values in all; a layer that large would need more`,
              );
            }
          }
        } else {
          stack.push(value);
        }
      }
    }
  }
}

/**
 * Replays how tfjs connects a functional model's layers (`Container.fromConfig`), on the JSON
 * alone: tfjs retries the calls whose inputs do not exist yet until none is left, so a call that
 * reads from a missing layer, a node that never comes, or a cycle makes it loop forever.
 */
function checkGraph(config: Json, source: NetworkSource, at: string): void {
  const layers = config.layers;
  if (!Array.isArray(layers)) failNetwork(source, `has no layers list in ${at}`);
  const nodes = new Map<string, number>();
  const pending: Array<{ layer: string; inputs: unknown[][] }> = [];
  layers.forEach((layer: unknown, i) => {
    if (!isObject(layer) || typeof layer.name !== 'string')
      failNetwork(source, `has a layer without a name (${at}.layers[${i}])`);
    if (nodes.has(layer.name)) failNetwork(source, `has two layers named '${layer.name}' (${at})`);
    nodes.set(layer.name, layer.class_name === 'InputLayer' || CONTAINERS.has(String(layer.class_name)) ? 1 : 0);
    if (CONTAINERS.has(String(layer.class_name)) && isObject(layer.config)) {
      checkContainer(layer.class_name as string, layer.config, source, `${at}.layers[${i}]`);
    }
  });
  layers.forEach((layer: Json, i) => {
    const calls = layer.inbound_nodes ?? [];
    if (!Array.isArray(calls)) failNetwork(source, `has inbound_nodes that is not a list (${at}.layers[${i}])`);
    calls.forEach((call: unknown, c) => {
      if (!Array.isArray(call))
        failNetwork(source, `has a call that is not a list (${at}.layers[${i}].inbound_nodes[${c}])`);
      call.forEach((input: unknown, k) => {
        const where = `${at}.layers[${i}].inbound_nodes[${c}][${k}]`;
        if (
          !Array.isArray(input) ||
          typeof input[0] !== 'string' ||
          !Number.isInteger(input[1]) ||
          (input[1] as number) < 0
        ) {
          failNetwork(source, `has a malformed layer input at ${where}: ${JSON.stringify(input)}`);
        }
        if (!nodes.has(input[0])) {
          failNetwork(
            source,
            `has layer '${layer.name}' read from layer '${input[0]}', which is not in the model (${where})`,
          );
        }
      });
      pending.push({ layer: layer.name as string, inputs: call as unknown[][] });
    });
  });
  let left = pending;
  while (left.length > 0) {
    const next = left.filter(({ layer, inputs }) => {
      if (!inputs.every(([name, index]) => (nodes.get(name as string) ?? 0) > (index as number))) return true;
      if (inputs.length > 0) nodes.set(layer, (nodes.get(layer) ?? 0) + 1);
      return false;
    });
    if (next.length === left.length) {
      const { layer, inputs } = left[0];
      failNetwork(
        source,
        `has layer '${layer}' wait for ${inputs.map(([name, index]) => `call ${index} of '${name}'`).join(' and ')}, which never happens (a cycle, or a call that does not exist)`,
      );
    }
    left = next;
  }
}

function checkContainer(className: string, config: Json, source: NetworkSource, at: string): void {
  if (className === 'Sequential') {
    const layers = Array.isArray(config) ? config : config.layers;
    if (!Array.isArray(layers)) failNetwork(source, `has no layers list in ${at}`);
    layers.forEach((layer: unknown, i) => {
      if (isObject(layer) && CONTAINERS.has(String(layer.class_name)) && isObject(layer.config)) {
        checkContainer(layer.class_name as string, layer.config, source, `${at}.layers[${i}]`);
      }
    });
    return;
  }
  checkGraph(config, source, at);
}

/**
 * Checks a Keras-style topology before tfjs builds it: no layer larger than the weights stored
 * with it (`weightValues` in all), and a layer graph that tfjs can connect (tfjs loops forever on
 * one that it cannot).
 */
export function checkTopology(topology: object, weightValues: number, source: NetworkSource): void {
  const root = (topology as Json).model_config ?? topology;
  if (!isObject(root) || typeof root.class_name !== 'string' || !isObject(root.config)) {
    failNetwork(source, 'has a modelTopology without class_name and config');
  }
  checkSizes(root, weightValues, source);
  if (CONTAINERS.has(root.class_name)) checkContainer(root.class_name, root.config, source, 'modelTopology');
}

/** An input a network must take, as the manifest says. */
export interface ExpectedInput {
  /** Its shape without the batch axis. */
  shape: readonly number[];
  /** The manifest field that gives it (`'inputShape'`, `'latentDim'`, `'numClasses'`). */
  field: string;
  /** The field's value, for messages. */
  value: unknown;
}

function showInput(shape: unknown): string {
  return Array.isArray(shape)
    ? `[${shape.map((d, i) => (i === 0 ? 'batch' : d === null ? '?' : String(d))).join(', ')}]`
    : JSON.stringify(shape);
}

/**
 * Checks, before tfjs builds anything, that the topology's inputs are the ones the manifest
 * describes: the first layers' weights are sized by them, so a doctored input size would
 * otherwise be allocated before any other check could refuse it.
 */
export function checkTopologyInputs(
  topology: object,
  expected: readonly ExpectedInput[],
  manifestName: string,
  source: NetworkSource,
): void {
  const root = ((topology as Json).model_config ?? topology) as Json;
  const config = root.config as Json;
  const layers = (Array.isArray(config) ? config : config.layers) as unknown[];
  if (!Array.isArray(layers)) failNetwork(source, 'has no layers list in modelTopology');
  const byName = new Map(layers.filter(isObject).map((l) => [l.name, l] as const));
  let shapes: unknown[];
  if (root.class_name === 'Sequential') {
    const first = layers[0];
    shapes = [
      isObject(first) && isObject(first.config)
        ? (first.config.batch_input_shape ?? first.config.batchInputShape)
        : undefined,
    ];
  } else {
    const inputLayers = config.input_layers;
    if (!Array.isArray(inputLayers)) failNetwork(source, 'has no input_layers list in modelTopology');
    shapes = inputLayers.map((ref: unknown) => {
      const layer = Array.isArray(ref) ? byName.get(ref[0]) : undefined;
      return isObject(layer) && isObject(layer.config)
        ? (layer.config.batch_input_shape ?? layer.config.batchInputShape)
        : undefined;
    });
  }
  const refuse = (what: string): never => {
    throw new ModelFormatError(
      `${source.where}: ${manifestName} says ${expected.map((e) => `${e.field} ${JSON.stringify(e.value)}`).join(' and ')}, but ${source.file} ${what}. The manifest and the networks belong to different models; save the model again with vae.save().`,
      { location: source.location },
    );
  };
  if (shapes.length !== expected.length) {
    refuse(
      `takes ${shapes.length} input(s), not ${expected.length}${expected.length === 2 ? ' (a conditional model takes [data, labels])' : ''}`,
    );
  }
  expected.forEach(({ shape }, i) => {
    const got = shapes[i];
    const fits =
      Array.isArray(got) &&
      got.length === shape.length + 1 &&
      shape.every((d, j) => got[j + 1] === null || got[j + 1] === d);
    if (!fits) refuse(`declares input ${i} of shape ${showInput(got)}`);
  });
}
