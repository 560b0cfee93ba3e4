// A form that refuses an invalid value: the report submission page (narrative fields of the 6-month report).
const { test, expect, login } = require('./fixtures');

test('the report form refuses an impossible signing date with a clear message and keeps every typed value', async ({ page }) => {
  // The commune's own report (14758) is already approved in the demo; an administrator may edit any report still in
  // draft or returned, so take the first such commune of Thanh Hóa from the reporting dashboard.
  await login(page, 'admin');
  await page.goto('/reports?report=6T&period=2026-H1&unit=38');
  const rows = page.locator('table.list tbody tr');
  await expect(rows.first()).toBeVisible();
  const editable = rows.filter({ hasText: /Bị trả lại|Đang soạn/ }).first();
  await expect(editable).toBeVisible();
  const link = editable.getByRole('link').first();
  const unitName = (await link.textContent()).trim();
  await Promise.all([page.waitForURL(/\/reports\/6T\/2026-H1\/\d+$/), link.click()]);
  const reportUrl = page.url();
  await expect(page.locator('main')).toContainText(unitName);

  const form = page.locator('form').filter({ has: page.getByRole('button', { name: 'Lưu' }) });
  const place = form.getByLabel('Địa danh');
  const date = form.getByLabel('Ngày ký');
  const proposal = form.getByLabel('Kiến nghị, đề xuất');
  const placeBefore = await place.inputValue();
  const typed = { place: 'Thanh Hóa (kiểm thử e2e)', date: '32/13/2026', proposal: 'Đề nghị tỉnh bổ sung vốn cho 2 công trình giao thông.' };
  await place.fill(typed.place);
  await date.fill(typed.date);
  await proposal.fill(typed.proposal);

  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && r.url() === reportUrl),
    form.getByRole('button', { name: 'Lưu' }).click(),
  ]);
  expect(response.status()).toBe(422);
  await expect(page.locator('main .error').first()).toContainText('"32/13/2026" không hợp lệ');
  await expect(page.locator('main .error').first()).toContainText('dd/mm/yyyy');
  // Every value typed is still in the form.
  await expect(form.getByLabel('Địa danh')).toHaveValue(typed.place);
  await expect(form.getByLabel('Ngày ký')).toHaveValue(typed.date);
  await expect(form.getByLabel('Kiến nghị, đề xuất')).toHaveValue(typed.proposal);

  // Nothing was saved: the same report opened in another tab shows the stored value.
  const other = await page.context().newPage();
  await other.goto(reportUrl);
  await expect(other.locator('form').getByLabel('Địa danh')).toHaveValue(placeBefore);
  await expect(other.locator('form').getByLabel('Ngày ký')).not.toHaveValue(typed.date);
  await other.close();
});
