import { parseArgs } from 'node:util';
import { usageError } from './errors.js';

/** One flag a command accepts. */
export interface FlagSpec {
  /** `string` flags take a value (`--epochs 3` or `--epochs=3`); `boolean` flags do not. */
  type: 'string' | 'boolean';
  /** A one-line description for `--help`. */
  help: string;
  /** Placeholder shown in `--help`, e.g. `<n>`. */
  value?: string;
}

/** Flags by their long name (kebab-case, without the dashes). */
export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

/** Parsed flags: strings and booleans by long name, plus positional words. */
export interface ParsedFlags {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/**
 * Parses `argv` strictly against `specs` with node:util's parseArgs, turning its errors into a
 * one-line `ConfigError` that names the command and lists the known flags.
 */
export function parseFlags(command: string, argv: readonly string[], specs: FlagSpecs): ParsedFlags {
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } };
  for (const [name, spec] of Object.entries(specs)) options[name] = { type: spec.type };
  try {
    const args = attachNegativeValues(argv, specs);
    const { values, positionals } = parseArgs({ args, options, strict: true, allowPositionals: true });
    return { values: values as ParsedFlags['values'], positionals };
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    const text = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
    const flag = /'(-[^']*)'/.exec(text ?? '')?.[1] ?? '';
    const known = Object.keys(specs)
      .map((n) => `--${n}`)
      .join(', ');
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      throw usageError(
        `${command}: unknown flag ${flag.split(' ')[0]}. Known flags: ${known}. See \`vae ${command} --help\`.`,
        'flag',
        flag,
      );
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      throw usageError(
        `${command}: ${text?.replace(/^Option /, 'flag ')} See \`vae ${command} --help\`.`,
        'flag',
        flag,
      );
    }
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      throw usageError(`${command}: ${text} See \`vae ${command} --help\`.`, 'argument', argv);
    }
    throw cause;
  }
}

/** A value that is a negative number (`-3`, `-0.5`, `-1e-3`, `-Infinity`), not a flag. */
const NEGATIVE_NUMBER = /^-(?:\d|\.\d|Infinity$)/;

/**
 * Joins `--flag -3` into `--flag=-3` for flags that take a value. parseArgs reads a value that
 * starts with a dash as a forgotten value ("argument is ambiguous"); no flag of ours looks like a
 * negative number, so the flag's own range check can say what is wrong with it instead.
 */
function attachNegativeValues(argv: readonly string[], specs: FlagSpecs): string[] {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    const next = argv[i + 1];
    if (arg === '--') {
      args.push(...argv.slice(i));
      break;
    }
    if (
      arg.startsWith('--') &&
      specs[arg.slice(2)]?.type === 'string' &&
      next !== undefined &&
      NEGATIVE_NUMBER.test(next)
    ) {
      args.push(`${arg}=${next}`);
      i += 1;
    } else {
      args.push(arg);
    }
  }
  return args;
}

/** Formats the `--help` text of a command. */
export function helpText(command: string, summary: string, specs: FlagSpecs): string {
  const rows = Object.entries(specs).map(([name, spec]) => {
    const left = `--${name}${spec.type === 'string' ? ` ${spec.value ?? '<value>'}` : ''}`;
    return `  ${left.padEnd(28)} ${spec.help}`;
  });
  return [`usage: vae ${command} [flags]`, '', summary, '', 'flags:', ...rows, ''].join('\n');
}

/** Reads a string flag, or `undefined` when absent. */
export function stringFlag(parsed: ParsedFlags, name: string): string | undefined {
  const v = parsed.values[name];
  return typeof v === 'string' ? v : undefined;
}

/**
 * Reads a numeric flag: `undefined` when absent, otherwise a finite number within the bounds,
 * an integer when asked; anything else is a one-line `ConfigError`.
 */
export function numberFlag(
  command: string,
  parsed: ParsedFlags,
  name: string,
  options: { integer?: boolean; min?: number; max?: number } = {},
): number | undefined {
  const raw = stringFlag(parsed, name);
  if (raw === undefined) return undefined;
  return checkNumber(`${command}: --${name}`, raw.trim() === '' ? Number.NaN : Number(raw), raw, options);
}

/** Checks one number against the bounds (used for flags and for config-file fields). */
export function checkNumber(
  where: string,
  value: number,
  got: unknown,
  options: { integer?: boolean; min?: number; max?: number } = {},
): number {
  const { integer = false, min = Number.NEGATIVE_INFINITY, max = Number.POSITIVE_INFINITY } = options;
  const kind = integer ? 'an integer' : 'a number';
  const bounds =
    min > Number.NEGATIVE_INFINITY && max < Number.POSITIVE_INFINITY
      ? ` between ${min} and ${max}`
      : min > Number.NEGATIVE_INFINITY
        ? ` >= ${min}`
        : max < Number.POSITIVE_INFINITY
          ? ` <= ${max}`
          : '';
  if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw usageError(`${where} must be ${kind}${bounds}, got ${JSON.stringify(got)}.`, where, got, kind);
  }
  if (value < min || value > max) {
    throw usageError(`${where} must be ${kind}${bounds}, got ${JSON.stringify(got)}.`, where, got, kind);
  }
  return value;
}
