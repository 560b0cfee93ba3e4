// mtqg: small progressive enhancements; every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Submitting a date or search form with an empty field drops the empty parameter from the URL.
  for (const form of document.querySelectorAll("form[method=get]")) {
    form.addEventListener("submit", () => {
      for (const input of form.querySelectorAll("input")) {
        if (input.name && input.value === "") input.disabled = true;
      }
    });
  }
  // Disable submit buttons while a long import is uploading, so it is not sent twice.
  for (const form of document.querySelectorAll("form[enctype='multipart/form-data'], form[action='/admin/import/apply']")) {
    form.addEventListener("submit", () => {
      const button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = true; button.textContent = "Đang xử lý…"; }
    });
  }
});
