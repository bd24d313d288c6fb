// Builds bench/report/ (REPORT.md, report.json, plots) from bench/out/*.json, and writes the tables docs/
// quotes (performance.md, evaluation.md, speed-recall.svg). Run: npm run bench:report
import { it } from 'vitest';
import { DOCS_DIR } from './bench-output.js';
import { generateReport } from './report.js';

it('bench report', async () => {
  const { files } = await generateReport({ docsDir: DOCS_DIR });
  console.log(`report written:\n${files.map((f) => `  ${f}`).join('\n')}`);
});
