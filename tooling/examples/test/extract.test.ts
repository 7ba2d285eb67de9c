// The extraction of examples and their runner directives, on fixture texts: what readers see is
// the fence unchanged; CI's budget comes from `<!-- runner: budget ... -->`, and a directive that
// no longer matches the code, is unknown, or stands before no ts fence is reported.
import { describe, expect, it } from 'vitest';
import { applyBudget, parseBudget, scanMarkdown, scanTsdoc } from '../src/extract.js';

const guide = [
  '# A guide', // 1
  '', // 2
  '<!-- runner: budget take(8000) -> take(4); epochs: 30 -> epochs: 1 -->', // 3
  '```ts', // 4
  'const { x } = await train.take(8000).toTensors();',
  'await vae.fit(x, { epochs: 30 });',
  '```',
  '',
  '<!-- runner: skip (needs a browser) -->',
  '',
  '```ts',
  'document.title;',
  '```',
].join('\n');

describe('runner directives in markdown', () => {
  it('keeps the reader code as written and applies the budget to the code CI runs', () => {
    const { blocks, stray } = scanMarkdown(guide);
    expect(stray).toEqual([]);
    expect(blocks).toHaveLength(2);
    const [train, browser] = blocks;
    expect(train?.line).toBe(4);
    expect(train?.code).toBe('const { x } = await train.take(8000).toTensors();\nawait vae.fit(x, { epochs: 30 });\n');
    expect(train?.runCode).toBe('const { x } = await train.take(4).toTensors();\nawait vae.fit(x, { epochs: 1 });\n');
    expect(train?.budget).toEqual([
      { from: 'take(8000)', to: 'take(4)' },
      { from: 'epochs: 30', to: 'epochs: 1' },
    ]);
    expect(train?.problems).toEqual([]);
    expect(train?.skip).toBeUndefined();
    expect(browser?.skip).toBe('needs a browser');
    expect(browser?.runCode).toBe(browser?.code);
  });

  it('reports a budget substitution that matches nothing (a stale directive)', () => {
    const stale = guide.replace('epochs: 30 }', 'epochs: 20 }');
    const [train] = scanMarkdown(stale).blocks;
    expect(train?.problems).toHaveLength(1);
    expect(train?.problems[0]).toContain('"epochs: 30 -> epochs: 1" matches nothing');
    // The substitutions that still match are applied.
    expect(train?.runCode).toContain('take(4)');
  });

  it('reports unknown and malformed directives', () => {
    const text = ['<!-- runner: budjet a -> b -->', '<!-- runner: budget a => b -->', '```ts', 'a;', '```'].join('\n');
    const [block] = scanMarkdown(text).blocks;
    expect(block?.problems).toHaveLength(2);
    expect(block?.problems[0]).toContain('unknown runner directive');
    expect(block?.problems[1]).toContain('is not "from -> to"');
  });

  it('reports a directive that stands before prose or another kind of fence', () => {
    const text = [
      '<!-- runner: budget a -> b -->',
      'Some prose.',
      '',
      '<!-- runner: skip (why) -->',
      '```sh',
      'npm i tsx',
      '```',
      '<!-- runner: skip (at the end) -->',
    ].join('\n');
    const { blocks, stray } = scanMarkdown(text, 10);
    expect(blocks).toEqual([]);
    expect(stray.map((d) => d.line)).toEqual([11, 14, 18]);
  });

  it('does not read directives or fences inside another fence', () => {
    const text = ['```md', '<!-- runner: budget a -> b -->', '```ts', '```', '', '```ts', 'ok;', '```'].join('\n');
    const { blocks, stray } = scanMarkdown(text);
    expect(stray).toEqual([]);
    expect(blocks.map((b) => b.code)).toEqual(['ok;\n']);
  });
});

describe('runner directives in doc comments', () => {
  const source = [
    '/**', // 1
    ' * Does a thing.',
    ' *',
    ' * <!-- runner: budget epochs: 30 -> epochs: 1 -->',
    ' *',
    ' * @example',
    ' * <!-- runner: budget epochs: 30 -> epochs: 1 -->',
    ' * ```ts', // 8
    ' * await vae.fit(x, { epochs: 30 });',
    ' * ```',
    ' * @category Training',
    ' */',
    'export function f() {}',
  ].join('\n');

  it('applies a directive inside @example and reports one outside it', () => {
    const { blocks, stray } = scanTsdoc(source);
    expect(blocks).toHaveLength(1);
    expect(blocks[0]?.line).toBe(8);
    expect(blocks[0]?.code).toBe('await vae.fit(x, { epochs: 30 });\n');
    expect(blocks[0]?.runCode).toBe('await vae.fit(x, { epochs: 1 });\n');
    expect(stray).toEqual([{ line: 4, text: '<!-- runner: budget epochs: 30 -> epochs: 1 -->' }]);
  });
});

describe('budget substitutions', () => {
  it('replace every occurrence of literal text', () => {
    expect(applyBudget('a(8000); b(8000);', [{ from: '8000', to: '4' }])).toEqual({
      runCode: 'a(4); b(4);',
      problems: [],
    });
  });

  it('parse "from -> to" pairs separated by semicolons', () => {
    expect(parseBudget(' [1, 10, 100] -> [1, 10] ;x -> y;')).toEqual({
      substitutions: [
        { from: '[1, 10, 100]', to: '[1, 10]' },
        { from: 'x', to: 'y' },
      ],
      problems: [],
    });
    expect(parseBudget('  ').problems).toEqual(['budget directive lists no substitution']);
    expect(parseBudget('a -> ').problems).toHaveLength(1);
  });
});
