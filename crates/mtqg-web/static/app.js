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
  // The print button of a print-ready page.
  for (const button of document.querySelectorAll("button[data-print]")) {
    button.addEventListener("click", () => window.print());
  }
  // Quick entry of a household's review: the class is computed by the server as the officer types.
  for (const form of document.querySelectorAll("form[data-classify]")) {
    const output = form.querySelector("output[name=class]");
    let timer = null;
    const update = () => {
      const params = new URLSearchParams();
      params.set("area", form.elements.area.value);
      params.set("income", form.elements.income.value);
      params.set("score_a", form.elements.score_a.value);
      const deprived = [...form.querySelectorAll("input[type=checkbox][name^=dep_]:checked")].map((box) => box.name.slice(4));
      params.set("deprived", deprived.join(","));
      fetch(form.dataset.classify + "&" + params.toString(), { headers: { Accept: "application/json" } })
        .then((response) => response.json().then((body) => ({ ok: response.ok, body })))
        .then(({ ok, body }) => {
          output.textContent = ok ? body.label + " (điểm B: " + body.score_b + ")" : (body.error || "không tính được");
          output.className = ok ? "ok" : "error";
        })
        .catch(() => { output.textContent = ""; });
    };
    form.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(update, 250); });
  }
});
