import { writeOutputs, type OutputWriter, type WriteOutcome } from '../write-outputs.js';
import type { Comparison } from './compare.js';
import { compareHtml } from './compare-html.js';
import { compareMarkdown } from './compare-md.js';

const comparisonWriters: readonly OutputWriter<Comparison>[] = [
  { file: 'compare.md', render: compareMarkdown },
  { file: 'compare.html', render: compareHtml },
];

export function writeComparison(outDir: string, comparison: Comparison): WriteOutcome {
  return writeOutputs(outDir, comparison, comparisonWriters);
}
