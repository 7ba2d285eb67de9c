/**
 * A JSON value: what configs, manifests and training state are made of.
 *
 * @category Persistence
 */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * A JSON object, such as a model config's `architecture`.
 *
 * @category Persistence
 */
export type JsonObject = { [key: string]: JsonValue };
