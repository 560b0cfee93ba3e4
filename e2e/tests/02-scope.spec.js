// What an account sees depends on its scope: a province's steering account, a commune's officer.
const { test, expect, login, logout } = require('./fixtures');

test('a province account sees its province and drills into a commune but is refused another province, and a commune account sees only its commune', async ({
  page,
}) => {
  const heading = page.getByRole('heading', { level: 1 });

  await login(page, 'thanhhoa');
  await expect(heading).toContainText('Tỉnh Thanh Ho');
  await expect(page.locator('header.top')).toContainText('Ban Chỉ đạo');
  const children = page.locator('table.list').filter({ has: page.getByRole('columnheader', { name: 'Đơn vị' }) });
  await expect(page.getByRole('heading', { level: 2, name: 'Đơn vị trực thuộc' })).toBeVisible();
  expect(await children.locator('tbody tr').count()).toBeGreaterThan(100); // 166 communes and wards since 1/7/2025

  // Drill down into a commune of the province.
  await Promise.all([
    page.waitForURL(/[?&]unit=14758\b/),
    children.getByRole('link', { name: 'Phường Hàm Rồng' }).click(),
  ]);
  await expect(heading).toContainText('Phường Hàm Rồng');
  await expect(page.getByRole('link', { name: /Lên cấp trên/ })).toBeVisible();

  // Another province (Hà Nội, 01) is out of scope: the 403 page.
  const refused = await page.goto('/?unit=01');
  expect(refused.status()).toBe(403);
  await expect(heading).toHaveText('Không có quyền truy cập');
  await expect(page.locator('main')).toContainText('ngoài phạm vi');
  // The error page keeps the header menu and the logout button.
  await expect(page.locator('header.top nav')).toContainText('Tổng quan');
  await expect(page.getByRole('button', { name: 'Đăng xuất' })).toBeVisible();
  await logout(page);

  // The commune account: its own commune, nothing above or beside it.
  await login(page, 'xa.hamrong');
  await expect(heading).toContainText('Phường Hàm Rồng');
  await expect(page.locator('header.top')).toContainText('Cán bộ cấp xã');
  await expect(page.getByRole('heading', { level: 2, name: 'Đơn vị trực thuộc' })).toHaveCount(0);
  for (const other of ['38', '14797', '01']) {
    const response = await page.goto(`/?unit=${other}`);
    expect(response.status(), `unit ${other} must be refused to xa.hamrong`).toBe(403);
    await expect(heading).toHaveText('Không có quyền truy cập');
  }
  // Back to its own dashboard for the final screenshot.
  await page.goto('/');
  await expect(heading).toContainText('Phường Hàm Rồng');
});
