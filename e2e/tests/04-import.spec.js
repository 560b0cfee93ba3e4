// The capital import (plans, allocations, disbursements from an Excel file) in dry-run mode.
const { test, expect, login, xlsx } = require('./fixtures');

const HEADER = ['stt', 'kind', 'date', 'plan_year', 'unit_code', 'project_code', 'item_code', 'source', 'capital_type',
  'amount (triệu đồng)', 'to_unit_code', 'to_project_code', 'legal_basis', 'adjusts', 'reason'];
// Three valid operations in a year (2024) where the demo has nothing for Xã Tam Chung (14848).
const VALID = [
  [1, 'Giao kế hoạch vốn năm', '15/01/2024', 2024, '38', null, 'GNBV.DA1', 'NSTW', 'ĐTPT', 58759.9, null, null, 'QĐ 123/QĐ-UBND ngày 10/01/2024'],
  [2, 'Phân bổ', '20/01/2024', 2024, '38', null, 'GNBV.DA1', 'NSTW', 'ĐTPT', 1200, '14848', null, 'QĐ 150/QĐ-UBND ngày 20/01/2024'],
  [3, 'Giải ngân', '15/03/2024', 2024, '14848', null, 'GNBV.DA1', 'NSTW', 'ĐTPT', 350.5],
];
// A row with an impossible date and an ambiguous amount ("1.5": thousands or decimals?).
const INVALID = [4, 'Giải ngân', '31/02/2024', 2024, '14848', null, 'GNBV.DA1', 'NSTW', 'ĐTPT', '1.5'];

test('a capital Excel file checked in a dry run shows its counts and problems and writes nothing', async ({ page }) => {
  await login(page, 'admin');
  const summary = async () => {
    const response = await page.request.get('/api/v1/capital/summary?unit=14848&year=2024');
    expect(response.ok()).toBeTruthy();
    return (await response.json()).totals;
  };
  const auditHasImport = async () => {
    await page.goto('/admin/audit');
    return (await page.locator('table.list tbody').textContent()).includes('capital.import');
  };
  const before = await summary();
  expect(await auditHasImport()).toBe(false);

  await page.goto('/capital/import');
  const apply = page.getByLabel(/Ghi vào cơ sở dữ liệu/);
  await expect(apply).not.toBeChecked(); // a dry run unless asked otherwise
  await page.getByLabel('Tệp').setInputFiles({
    name: 'von-2024-thu.xlsx',
    mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    buffer: xlsx('Vốn', [HEADER, ...VALID]),
  });
  await page.getByRole('button', { name: 'Kiểm tra' }).click();
  const result = page.locator('main .card').filter({ has: page.getByRole('heading', { level: 2 }) }).last();
  await expect(result.getByRole('heading', { level: 2 })).toHaveText('von-2024-thu.xlsx — chạy thử');
  await expect(result).toContainText('3 dòng; 3 nghiệp vụ hợp lệ.');
  await expect(result).toContainText('Không có lỗi');
  await expect(result).not.toContainText('Đã ghi');

  // Nothing was written: the figures of the receiving commune and the audit log are as before.
  expect(await summary()).toEqual(before);
  expect(await auditHasImport()).toBe(false);

  // The same file with a bad row: every problem with its row and column, nothing written.
  await page.goto('/capital/import');
  await page.getByLabel('Tệp').setInputFiles({
    name: 'von-2024-loi.xlsx',
    mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    buffer: xlsx('Vốn', [HEADER, ...VALID, INVALID]),
  });
  await page.getByRole('button', { name: 'Kiểm tra' }).click();
  await expect(result.getByRole('heading', { level: 2 })).toHaveText('von-2024-loi.xlsx — chạy thử');
  await expect(result).toContainText('4 dòng; 3 nghiệp vụ hợp lệ.');
  await expect(result.locator('.error')).toHaveText('Tệp có 2 lỗi; không ghi dòng nào.');
  const problems = result.locator('table.list tbody tr');
  await expect(problems).toHaveCount(2);
  await expect(problems.filter({ hasText: 'amount' })).toContainText('"1.5" không phải số');
  await expect(problems.filter({ hasText: 'date' })).toContainText('"31/02/2024" không hợp lệ');
  for (const row of await problems.all()) {
    await expect(row.locator('td').nth(0)).toHaveText('Vốn'); // sheet
    await expect(row.locator('td').nth(1)).toHaveText('5'); // the spreadsheet's row number
  }
  expect(await summary()).toEqual(before);
});
