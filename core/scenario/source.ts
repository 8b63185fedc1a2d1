import { LineCounter, isAlias, isMap, isNode, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import { ScenarioError, type ScenarioProblem } from './errors.js';

export type PathSegment = string | number;

export interface SourcePosition {
  line: number;
  column: number;
}

/** Parsed YAML together with a way back from a data path to where it was written. */
export interface YamlSource {
  value: unknown;
  /** Where the key (`at: 'key'`) or value at `path` was written, or its nearest written ancestor. */
  position(path: readonly PathSegment[], at: 'key' | 'value'): SourcePosition | undefined;
}

/** Parses YAML text; syntax errors become a ScenarioError with their positions. */
export function parseYaml(text: string, file: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const toPosition = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  if (doc.errors.length > 0) {
    throw new ScenarioError(
      file,
      doc.errors.map((error) => ({ path: '', message: `invalid YAML: ${error.message}`, ...toPosition(error.pos[0]) })),
    );
  }
  return {
    value: toValue(doc, file),
    position(path, at) {
      const offset = findNode(doc, path, at)?.range?.[0];
      return offset === undefined ? undefined : toPosition(offset);
    },
  };
}

function toValue(doc: Document.Parsed, file: string): unknown {
  try {
    return doc.toJS();
  } catch (error) {
    // toJS throws on things the parser accepts, such as too many alias expansions.
    const problem: ScenarioProblem = { path: '', message: `invalid YAML: ${(error as Error).message}` };
    throw new ScenarioError(file, [problem]);
  }
}

function findNode(doc: Document.Parsed, path: readonly PathSegment[], at: 'key' | 'value'): Node | undefined {
  let node: Node | undefined = doc.contents ?? undefined;
  for (const [index, segment] of path.entries()) {
    const container = isAlias(node) ? node.resolve(doc) : node;
    const child = childOf(container, segment, index === path.length - 1 ? at : 'value');
    if (child === undefined) break;
    node = child;
  }
  return node;
}

function childOf(node: Node | undefined, segment: PathSegment, at: 'key' | 'value'): Node | undefined {
  if (isSeq(node)) {
    const item: unknown = typeof segment === 'number' ? node.items[segment] : undefined;
    return isNode(item) ? item : undefined;
  }
  if (!isMap(node)) return undefined;
  const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
  if (pair === undefined || !isNode(pair.key)) return undefined;
  // An empty value (`key:`) sits after the colon; its key is the useful place to point at.
  const value = pair.value;
  if (at === 'key' || !isNode(value) || (isScalar(value) && value.value === null)) return pair.key;
  return value;
}
