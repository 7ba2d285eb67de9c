import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { ConfigError, DatasetError } from '@vae/core';
import { writeExample } from '../dataset/array-source.js';
import type { Dataset } from '../dataset/dataset.js';
import type { ExampleSource } from '../dataset/example-source.js';
import { IndexedDataset } from '../dataset/indexed-dataset.js';
import { type PixelOptions, type ResolvedPixelOptions, resolvePixelOptions } from '../dataset/pixel-options.js';

/**
 * An image that could not be read, reported under the `'skip'` policy.
 *
 * @category Datasets
 */
export interface SkippedImage {
  /** The file's path. */
  path: string;
  /** Why it was skipped (the decoder's message). */
  reason: string;
}

/**
 * Options of {@link loadImageFolder}.
 *
 * @category Datasets
 */
export interface ImageFolderOptions extends PixelOptions {
  /** Size every image is resized to, `[height, width]` (e.g. `[128, 128]`). */
  size: readonly [number, number];
  /**
   * 3 for RGB, 1 for grayscale. Transparent pixels are composed over black.
   * @defaultValue 3
   */
  channels?: 1 | 3;
  /**
   * How an image of another aspect ratio is resized: `'cover'` crops the centre, `'contain'`
   * letterboxes with black, `'fill'` stretches.
   * @defaultValue 'cover'
   */
  fit?: 'cover' | 'contain' | 'fill';
  /**
   * Look into sub-folders at any depth.
   * @defaultValue true
   */
  recursive?: boolean;
  /**
   * File extensions (lower case, with the dot) taken as images.
   * @defaultValue ['.png', '.jpg', '.jpeg', '.webp']
   */
  extensions?: readonly string[];
  /**
   * `'folders'`: the class of an image is the name of the top-level sub-folder it lies in
   * (class names sorted; every image must then lie in a sub-folder); `'none'`: unlabelled.
   * @defaultValue 'folders' when the root holds sub-folders with images, else 'none'
   */
  labels?: 'folders' | 'none';
  /**
   * What to do with a file that cannot be decoded: `'throw'` a `DatasetError`
   * naming it, or `'skip'` it (it is left out of batches from then on, listed in
   * {@link ImageFolderDataset.skipped} and passed to `onSkip`).
   * @defaultValue 'throw'
   */
  onError?: 'throw' | 'skip';
  /**
   * Called for each skipped file under the `'skip'` policy.
   * @defaultValue undefined
   */
  onSkip?: (skipped: SkippedImage) => void;
  /**
   * Read every file's header while loading, so unreadable files are found before training
   * (thrown or skipped per `onError`). Decoding errors past the header still surface in batches.
   * @defaultValue false
   */
  checkHeaders?: boolean;
}

/**
 * A dataset of image files, decoded batch by batch. Its `size` counts the files found (minus
 * those a header check skipped); files skipped while decoding are left out of batches.
 *
 * @category Datasets
 */
export interface ImageFolderDataset extends Dataset {
  /** The image files, in dataset order (sorted paths). */
  readonly files: readonly string[];
  /** Files skipped so far (by this dataset or any split of it), under the `'skip'` policy. */
  readonly skipped: readonly SkippedImage[];
}

type SharpModule = typeof import('sharp')['default'];

async function loadSharp(): Promise<SharpModule> {
  try {
    const module = (await import('sharp')) as { default?: SharpModule };
    return module.default ?? (module as unknown as SharpModule);
  } catch (cause) {
    throw new DatasetError(
      'loadImageFolder: the optional peer dependency sharp (0.35.x) is not installed; it decodes and resizes images. Run `npm i sharp@0.35`.',
      { cause },
    );
  }
}

async function listImages(root: string, extensions: ReadonlySet<string>, recursive: boolean): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      const problem =
        code === 'ENOENT'
          ? 'does not exist'
          : code === 'ENOTDIR'
            ? 'is not a folder'
            : `cannot be listed (${String(cause)})`;
      throw new DatasetError(`loadImageFolder: ${dir} ${problem}. Pass the folder that holds the images.`, {
        source: dir,
        cause,
      });
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        const target = await stat(path).catch(() => undefined);
        isDir = target?.isDirectory() ?? false;
        isFile = target?.isFile() ?? false;
      }
      if (isDir && (recursive || depth === 0) && !entry.name.startsWith('.')) {
        if (recursive || depth === 0) await walk(path, depth + 1);
      } else if (isFile && extensions.has(extname(entry.name).toLowerCase())) {
        found.push(path);
      }
    }
  };
  await walk(root, 0);
  // Fixed order on every machine: by path, code point order.
  return found.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Decodes image files on demand with sharp. */
class ImageFolderSource implements ExampleSource {
  readonly skipped: SkippedImage[] = [];
  private readonly skippedIndices = new Set<number>();
  private readonly stride: number;

  constructor(
    private readonly sharp: SharpModule,
    readonly files: readonly string[],
    readonly elementShape: readonly number[],
    readonly labels: Int32Array | undefined,
    readonly classNames: readonly string[] | undefined,
    private readonly options: Required<Pick<ImageFolderOptions, 'size' | 'channels' | 'fit' | 'onError'>> &
      Pick<ImageFolderOptions, 'onSkip'>,
    private readonly pixels: ResolvedPixelOptions,
  ) {
    this.stride = elementShape.reduce((a, b) => a * b, 1);
  }

  get size(): number {
    return this.files.length;
  }

  /** Decodes one file to `height * width * channels` bytes. */
  async decode(path: string): Promise<Uint8Array> {
    const [height, width] = this.options.size;
    let image = this.sharp(path, { failOn: 'warning' })
      .resize(width, height, { fit: this.options.fit, background: { r: 0, g: 0, b: 0 } })
      .flatten({ background: { r: 0, g: 0, b: 0 } });
    image = this.options.channels === 1 ? image.grayscale() : image.toColourspace('srgb');
    const { data, info } = await image.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (data.length !== this.stride) {
      throw new Error(
        `decoded to ${info.width}x${info.height}x${info.channels}, expected ${width}x${height}x${this.options.channels}`,
      );
    }
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }

  skip(index: number, path: string, cause: unknown): void {
    const record = { path, reason: cause instanceof Error ? cause.message : String(cause) };
    this.skippedIndices.add(index);
    this.skipped.push(record);
    this.options.onSkip?.(record);
  }

  async read(indices: readonly number[], epoch: number): Promise<{ values: Float32Array; kept: readonly number[] }> {
    const wanted = indices.filter((i) => !this.skippedIndices.has(i));
    const decoded = await Promise.all(
      wanted.map(async (index) => {
        const path = this.files[index]!;
        try {
          return await this.decode(path);
        } catch (cause) {
          if (this.options.onError === 'throw') {
            throw new DatasetError(
              `loadImageFolder: ${path} could not be decoded (${cause instanceof Error ? cause.message : String(cause)}). ` +
                "Remove or replace the file, or pass { onError: 'skip' } to leave unreadable files out.",
              { source: path, cause },
            );
          }
          if (!this.skippedIndices.has(index)) this.skip(index, path, cause);
          return undefined;
        }
      }),
    );
    const kept: number[] = [];
    const values = new Float32Array(wanted.length * this.stride);
    decoded.forEach((bytes, k) => {
      if (bytes === undefined) return;
      writeExample(bytes, 0, values, kept.length * this.stride, this.stride, this.pixels, true, epoch, wanted[k]!);
      kept.push(wanted[k]!);
    });
    return { values: kept.length === wanted.length ? values : values.slice(0, kept.length * this.stride), kept };
  }
}

class ImageFolderDatasetImpl extends IndexedDataset implements ImageFolderDataset {
  constructor(private readonly folder: ImageFolderSource) {
    super(folder);
  }
  get files(): readonly string[] {
    return this.folder.files;
  }
  get skipped(): readonly SkippedImage[] {
    return this.folder.skipped;
  }
}

function checkOptions(options: ImageFolderOptions): void {
  const { size, channels = 3, fit = 'cover', onError = 'throw', labels } = options;
  const bad = (field: string, expected: string, got: unknown, hint: string): never => {
    throw new ConfigError(`loadImageFolder: ${field} must be ${expected}, got ${JSON.stringify(got)}. ${hint}`, {
      field,
      expected,
      got,
    });
  };
  if (!Array.isArray(size) || size.length !== 2 || !size.every((d) => Number.isInteger(d) && d > 0)) {
    bad('size', '[height, width] of positive integers', size, 'Pass e.g. { size: [128, 128] }.');
  }
  if (channels !== 1 && channels !== 3)
    bad('channels', '1 or 3', channels, 'Pass { channels: 3 } for RGB or 1 for grayscale.');
  if (!['cover', 'contain', 'fill'].includes(fit)) bad('fit', "'cover', 'contain' or 'fill'", fit, '');
  if (onError !== 'throw' && onError !== 'skip') bad('onError', "'throw' or 'skip'", onError, '');
  if (labels !== undefined && labels !== 'folders' && labels !== 'none')
    bad('labels', "'folders' or 'none'", labels, '');
}

/**
 * Streams a folder of PNG, JPEG and WebP images as a dataset: files are listed at once, but an
 * image is decoded and resized (with sharp) only when a batch containing it is asked for, one
 * batch ahead of the consumer, so folders larger than memory train. Labels come from sub-folder
 * names (`cars/audi/1.jpg` has class `'audi'`).
 *
 * @param dir - The folder to read.
 * @param options - Target size, channels, resize mode, label and error policies; see {@link ImageFolderOptions}.
 * @returns A dataset of `[height, width, channels]` examples (`[h * w * c]` with `flatten`),
 *   values in [0, 1] by default.
 * @throws `ConfigError` for invalid options.
 * @throws `DatasetError` when the folder is missing or holds no image, when some
 *   images lie beside the class folders, when sharp is not installed, and (policy `'throw'`) when
 *   a file cannot be decoded, from `checkHeaders` or from a batch.
 *
 * @example
 * <!-- runner: skip (needs a folder of images at ./data/cars) -->
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { loadImageFolder } from '@vae/datasets/node';
 *
 * const cars = await loadImageFolder('./data/cars', { size: [128, 128], onError: 'skip' });
 * for await (const { x, labels } of cars.batches({ batchSize: 32, shuffle: true, seed: 0 })) {
 *   console.log(x.shape); // [32, 128, 128, 3]
 *   tf.dispose([x, labels]);
 * }
 * console.log(cars.classNames, cars.skipped);
 * ```
 *
 * @category Datasets
 */
export async function loadImageFolder(dir: string, options: ImageFolderOptions): Promise<ImageFolderDataset> {
  checkOptions(options);
  const pixels = resolvePixelOptions(options, 'loadImageFolder');
  const {
    size,
    channels = 3,
    fit = 'cover',
    recursive = true,
    extensions = ['.png', '.jpg', '.jpeg', '.webp'],
    onError = 'throw',
    onSkip,
    checkHeaders = false,
  } = options;
  const sharp = await loadSharp();
  let files = await listImages(dir, new Set(extensions.map((e) => e.toLowerCase())), recursive);
  if (files.length === 0) {
    throw new DatasetError(
      `loadImageFolder: ${dir} holds no image files (${extensions.join(', ')})${recursive ? ' in any sub-folder' : ''}. Check the folder and the extensions option.`,
      { source: dir },
    );
  }
  const early: SkippedImage[] = [];
  if (checkHeaders) {
    const good: string[] = [];
    for (let start = 0; start < files.length; start += 32) {
      const chunk = files.slice(start, start + 32);
      const results = await Promise.all(
        chunk.map((path) =>
          sharp(path)
            .metadata()
            .then(
              (meta) => (meta.width && meta.height ? undefined : 'no image size in the header'),
              (cause: unknown) => (cause instanceof Error ? cause.message : String(cause)),
            ),
        ),
      );
      results.forEach((reason, k) => {
        if (reason === undefined) good.push(chunk[k]!);
        else if (onError === 'throw') {
          throw new DatasetError(
            `loadImageFolder: ${chunk[k]} is not a readable image (${reason}). Remove or replace the file, or pass { onError: 'skip' }.`,
            { source: chunk[k]! },
          );
        } else {
          const record = { path: chunk[k]!, reason };
          early.push(record);
          onSkip?.(record);
        }
      });
    }
    files = good;
    if (files.length === 0) {
      throw new DatasetError(
        `loadImageFolder: none of the image files in ${dir} is readable (${early.length} skipped).`,
        { source: dir },
      );
    }
  }
  const topFolder = (path: string): string | undefined => {
    const parts = relative(dir, path).split(sep);
    return parts.length > 1 ? parts[0] : undefined;
  };
  const folders = files.map(topFolder);
  const mode = options.labels ?? (folders.some((f) => f !== undefined) ? 'folders' : 'none');
  let labels: Int32Array | undefined;
  let classNames: string[] | undefined;
  if (mode === 'folders') {
    const loose = files.filter((_, i) => folders[i] === undefined);
    if (loose.length > 0) {
      throw new DatasetError(
        `loadImageFolder: ${loose.length} image(s) lie directly in ${dir} (e.g. ${loose[0]}) beside the class folders; ` +
          "with labels from folders every image must lie in a class folder. Move them, or pass { labels: 'none' }.",
        { source: loose[0]! },
      );
    }
    classNames = [...new Set(folders as string[])].sort();
    const index = new Map(classNames.map((name, i) => [name, i]));
    labels = Int32Array.from(folders, (f) => index.get(f!)!);
  }
  const elementShape = pixels.flatten ? [size[0] * size[1] * channels] : [size[0], size[1], channels];
  const source = new ImageFolderSource(
    sharp,
    files,
    elementShape,
    labels,
    classNames,
    { size, channels, fit, onError, onSkip },
    pixels,
  );
  source.skipped.push(...early);
  return new ImageFolderDatasetImpl(source);
}
