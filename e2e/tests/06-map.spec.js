// The country dashboard's map of provinces.
const { test, expect, login, snapshot } = require('./fixtures');

test('the country dashboard draws an SVG map of the provinces and a click on a province opens its dashboard', async ({ page }) => {
  await login(page, 'admin');
  const map = page.locator('svg.map');
  await expect(map).toBeVisible();
  const shapes = map.locator('path');
  expect(await shapes.count()).toBeGreaterThanOrEqual(34);
  const linked = map.locator('a[href*="unit="]');
  expect(await linked.count()).toBeGreaterThanOrEqual(34);
  await snapshot(map, '06-map country map before the click');

  // Click inside Thanh Hóa's shape like a person would: a point of the path's fill that is on top there.
  const province = map.locator('a[href*="unit=38&"] path, a[href$="unit=38"] path').first();
  await province.scrollIntoViewIfNeeded();
  const point = await province.evaluate((path) => {
    const box = path.getBoundingClientRect();
    for (let step = 8; step <= 64; step *= 2) {
      for (let i = 1; i < step; i++) {
        for (let j = 1; j < step; j++) {
          const x = box.left + (box.width * i) / step;
          const y = box.top + (box.height * j) / step;
          if (document.elementFromPoint(x, y) === path) return { x, y };
        }
      }
    }
    return null;
  });
  expect(point, 'a visible point inside Thanh Hóa on the map').not.toBeNull();
  await Promise.all([page.waitForURL(/[?&]unit=38\b/), page.mouse.click(point.x, point.y)]);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Tỉnh Thanh Ho');
  await expect(page.getByRole('heading', { level: 2, name: 'Đơn vị trực thuộc' })).toBeVisible();
});
