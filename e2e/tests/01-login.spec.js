// Logging in and out through the login form.
const { test, expect, logout, PASSWORD } = require('./fixtures');

test('an officer is refused with a Vietnamese message for a wrong password, lands on the dashboard with the right one, and logs out', async ({
  page,
}) => {
  // Not logged in: the dashboard sends to the login page.
  await page.goto('/');
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByRole('heading', { name: 'Đăng nhập' })).toBeVisible();

  await page.getByLabel('Tên đăng nhập').fill('admin');
  await page.getByLabel('Mật khẩu').fill('not-the-password');
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  await expect(page.getByRole('alert')).toHaveText(/tên đăng nhập hoặc mật khẩu không đúng/i);
  await expect(page).toHaveURL(/\/login/);
  // The user name stays typed, the password does not.
  await expect(page.getByLabel('Tên đăng nhập')).toHaveValue('admin');
  await expect(page.getByLabel('Mật khẩu')).toHaveValue('');

  await page.getByLabel('Mật khẩu').fill(PASSWORD);
  await Promise.all([page.waitForURL((url) => url.pathname === '/'), page.getByRole('button', { name: 'Đăng nhập' }).click()]);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Tổng quan');
  const cards = page.locator('.home-grid section.card');
  await expect(cards).toHaveCount(5);
  for (const title of ['Giải ngân vốn', 'Nông thôn mới', 'Giảm nghèo', 'Chỉ đạo, điều hành', 'Báo cáo định kỳ']) {
    await expect(cards.getByRole('heading', { level: 2, name: title })).toBeVisible();
  }
  await expect(page.locator('header.top')).toContainText('Quản trị hệ thống');

  await logout(page);
  await expect(page.getByRole('heading', { name: 'Đăng nhập' })).toBeVisible();
  // The session is gone: the dashboard asks to log in again.
  await page.goto('/');
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByRole('button', { name: 'Đăng xuất' })).toHaveCount(0);
});
