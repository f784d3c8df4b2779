/**
 * Reads JUnit XML back: a small tag-stack reader (no XML package is a dependency here) that refuses
 * a document whose tags do not nest, and gives each testcase with what it holds.
 */
export interface JunitCase {
  suite: string;
  classname: string;
  name: string;
  failure?: string;
  skipped?: string;
  systemOut?: string;
}

const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
const attrs = (s: string): Record<string, string> => Object.fromEntries([...s.matchAll(/(\w[\w-]*)="([^"]*)"/g)].map((m) => [m[1]!, unescape(m[2]!)]));

export function readJunit(xml: string): { suites: Array<Record<string, string>>; cases: JunitCase[] } {
  if (!xml.startsWith('<?xml')) throw new Error('no XML declaration');
  const stack: string[] = [];
  const suites: Array<Record<string, string>> = [];
  const cases: JunitCase[] = [];
  let current: JunitCase | undefined;
  let suite = '';
  const re = /<(\/?)([\w-]+)([^>]*?)(\/?)>|<\?[^>]*\?>/g;
  let last = 0;
  let text = '';
  for (const m of xml.matchAll(re)) {
    text = xml.slice(last, m.index);
    last = m.index! + m[0].length;
    if (m[0].startsWith('<?')) continue;
    const [, closing, tag, rest, selfClosing] = m as unknown as [string, string, string, string, string];
    if (closing) {
      if (stack.pop() !== tag) throw new Error(`</${tag}> closes nothing open`);
      if (tag === 'failure' && current) current.failure = unescape(text);
      if (tag === 'system-out' && current) current.systemOut = unescape(text);
      if (tag === 'testcase') current = undefined;
      continue;
    }
    const a = attrs(rest);
    if (tag === 'testsuite') {
      suites.push(a);
      suite = a.name ?? '';
    }
    if (tag === 'testcase') {
      current = { suite, classname: a.classname ?? '', name: a.name ?? '' };
      cases.push(current);
    }
    if (tag === 'skipped' && current) current.skipped = a.message ?? '';
    if (!selfClosing) stack.push(tag);
  }
  if (stack.length) throw new Error(`unclosed <${stack.join('>, <')}>`);
  return { suites, cases };
}
