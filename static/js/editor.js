// The proposal editor's live preview. Without this script the "Preview" button re-renders the
// page on the server; with it, the text is rendered as one types. The HTML comes from the
// server's sanitizer (POST /proposals/preview, CSRF-protected), never from the browser.
(function () {
  "use strict";

  const DELAY_MS = 400;

  function setUp(form) {
    const textarea = form.querySelector("textarea[data-editor]");
    const live = form.querySelector("[data-editor-live]");
    const output = form.querySelector("[data-editor-output]");
    const tokenInput = form.querySelector("input[name=csrf_token]");
    if (!textarea || !live || !output || !tokenInput) return;
    const url = form.dataset.previewUrl;
    let timer = null;
    let sent = 0;

    async function render() {
      const mine = ++sent;
      const data = new FormData();
      data.append("body", textarea.value);
      let answer;
      try {
        const response = await fetch(url, {
          method: "POST",
          body: data,
          credentials: "same-origin",
          headers: { "X-CSRFToken": tokenInput.value, Accept: "application/json" },
        });
        answer = await response.json();
      } catch (error) {
        return; // offline or a proxy error: the "Preview" button still works
      }
      if (mine !== sent) return; // an older answer arriving late
      if (typeof answer.html === "string") {
        output.innerHTML = answer.html; // already sanitized by the server
        output.removeAttribute("data-error");
      } else if (answer.message) {
        output.textContent = answer.message;
        output.setAttribute("data-error", "");
      }
    }

    function schedule() {
      window.clearTimeout(timer);
      if (!textarea.value.trim()) {
        output.textContent = "";
        return;
      }
      timer = window.setTimeout(render, DELAY_MS);
    }

    live.hidden = false;
    textarea.addEventListener("input", schedule);
    if (textarea.value.trim()) render();
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("form[data-preview-url]").forEach(setUp);
  });
})();
