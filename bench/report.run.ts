// Builds bench/report/ (REPORT.md, report.json, plots) from bench/out/*.json. Run: npm run bench:report
import { it } from 'vitest';
import { generateReport } from './report.js';

it('bench report', async () => {
  const { files } = await generateReport();
  console.log(`report written:\n${files.map((f) => `  ${f}`).join('\n')}`);
});
