// Downloads from a report page: the narrative report (DOCX) and a statutory form (XLSX).
const fs = require('node:fs');
const { test, expect, login } = require('./fixtures');

async function download(page, linkName) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: linkName }).click()]);
  const bytes = fs.readFileSync(await file.path());
  return { name: file.suggestedFilename(), bytes };
}

test('a commune officer downloads the narrative report as .docx and a statutory form as .xlsx from the report page', async ({
  page,
}) => {
  await login(page, 'xa.hamrong');
  await page.goto('/reports/6T/2026-H1/14758');
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Báo cáo 6 tháng');
  await expect(page.getByRole('heading', { level: 2, name: 'Tải về' })).toBeVisible();

  const narrative = await download(page, 'Báo cáo thuyết minh (.docx)');
  expect(narrative.name).toBe('bao-cao-6T-2026-H1-14758.docx');
  expect(narrative.bytes.subarray(0, 2).toString('latin1')).toBe('PK');
  expect(narrative.bytes.includes('word/document.xml')).toBeTruthy();

  const form = await download(page, /Biểu số 01/);
  expect(form.name).toBe('bieu-HUYDONG-6T-2026-H1-14758.xlsx');
  expect(form.bytes.subarray(0, 2).toString('latin1')).toBe('PK');
  expect(form.bytes.includes('xl/workbook.xml')).toBeTruthy();

  // The page is still the report page after both downloads.
  await expect(page).toHaveURL(/\/reports\/6T\/2026-H1\/14758$/);
});
