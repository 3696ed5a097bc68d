// The writing boxes (templates/macros/editor.html): a toolbar that puts markdown around the
// selection, and a preview of the text rendered by the server (POST /preview/<kind>, the same
// checks and sanitizer as the save), beside the text on a wide screen, behind the "Anteprima"
// tab on a phone. Without this script the textarea works alone. The HTML shown comes from the
// server's sanitizer, never from the browser.
(function () {
  "use strict";

  const DELAY_MS = 500;

  // --- the toolbar's actions: each returns [before, selected, after] for the selection ------

  function wrap(marker) {
    return (text, placeholder) => [marker, text || placeholder, marker];
  }

  function linePrefix(prefix) {
    return (text, placeholder) => {
      const lines = (text || placeholder).split("\n");
      const mark = typeof prefix === "function" ? prefix : () => prefix;
      return ["", lines.map((line, i) => mark(i) + line).join("\n"), ""];
    };
  }

  const ACTIONS = {
    bold: wrap("**"),
    italic: wrap("*"),
    heading: linePrefix("## "),
    bullets: linePrefix("- "),
    numbers: linePrefix((i) => `${i + 1}. `),
    quote: linePrefix("> "),
  };

  function replaceSelection(textarea, start, end, text) {
    textarea.focus();
    textarea.setSelectionRange(start, end);
    // execCommand keeps the browser's undo history; setRangeText where it is not supported
    if (!document.execCommand || !document.execCommand("insertText", false, text)) {
      textarea.setRangeText(text, start, end, "end");
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }

  function apply(textarea, action, placeholder) {
    const value = textarea.value;
    let start = textarea.selectionStart;
    let end = textarea.selectionEnd;
    if (action === "link") {
      const label = value.slice(start, end);
      const url = "https://";
      const text = `[${label || placeholder}](${url})`;
      replaceSelection(textarea, start, end, text);
      // the address is what remains to type; with no selection, the link's words first
      const from = label ? start + label.length + 3 : start + 1;
      const to = label ? from + url.length : from + placeholder.length;
      textarea.setSelectionRange(from, to);
      return;
    }
    const perLine = action !== "bold" && action !== "italic";
    if (perLine) {
      // whole lines: from the start of the first to the end of the last
      start = value.lastIndexOf("\n", start - 1) + 1;
      const next = value.indexOf("\n", end > start && value[end - 1] === "\n" ? end - 1 : end);
      end = next === -1 ? value.length : next;
    }
    const selected = value.slice(start, end);
    const [before, middle, after] = ACTIONS[action](selected, placeholder);
    // a list or heading needs a line of its own: a blank line before it, unless at the start
    const lead = perLine && start > 0 && value.slice(0, start).slice(-2) !== "\n\n"
      ? (value[start - 1] === "\n" ? "\n" : "\n\n")
      : "";
    replaceSelection(textarea, start, end, lead + before + middle + after);
    const from = start + lead.length + before.length;
    if (selected) {
      textarea.setSelectionRange(from, from + middle.length);
    } else {
      // the placeholder is selected, so typing replaces it
      const offset = perLine ? middle.length - placeholder.length : 0;
      textarea.setSelectionRange(from + offset, from + offset + placeholder.length);
    }
  }

  // --- one writing box ------------------------------------------------------------------------

  function setUp(root) {
    if (root.dataset.mdReady) return;
    const textarea = root.querySelector("[data-md-write] textarea");
    const bar = root.querySelector("[data-md-bar]");
    const preview = root.querySelector("[data-md-preview]");
    const output = root.querySelector("[data-md-output]");
    const status = root.querySelector("[data-md-status]");
    const form = root.closest("form");
    const tokenInput = form && form.querySelector("input[name=csrf_token]");
    if (!textarea || !bar || !preview || !output || !tokenInput) return;
    root.dataset.mdReady = "1";
    const tools = Array.from(root.querySelectorAll("[data-md]"));
    const tabs = Array.from(root.querySelectorAll("[data-md-tab]"));
    const write = root.querySelector("[data-md-write]");
    let timer = null;
    let sent = 0;
    let shown = null; // the text whose rendering is on screen

    write.setAttribute("role", "tabpanel");
    write.setAttribute("aria-labelledby", tabs[0].id);
    preview.setAttribute("role", "tabpanel");
    preview.setAttribute("aria-labelledby", tabs[1].id);

    function visible() {
      return output.getClientRects().length > 0;
    }

    function say(message) {
      status.textContent = message || "";
      root.classList.toggle("md-refused", Boolean(message));
    }

    async function render() {
      timer = null;
      const text = textarea.value;
      if (!text.trim()) {
        output.textContent = output.dataset.empty;
        shown = text;
        say("");
        return;
      }
      if (text === shown || !visible()) return;
      const mine = ++sent;
      const data = new FormData();
      data.append("body", text);
      let response;
      let answer;
      try {
        response = await fetch(root.dataset.previewUrl, {
          method: "POST",
          body: data,
          credentials: "same-origin",
          headers: { "X-CSRFToken": tokenInput.value, Accept: "application/json" },
        });
        answer = await response.json();
      } catch (error) {
        if (mine === sent) say(root.dataset.unreachable);
        return;
      }
      if (mine !== sent) return; // an older answer arriving late
      if (typeof answer.html === "string") {
        output.innerHTML = answer.html; // sanitized by the server
        shown = text;
        say("");
      } else {
        say(answer.message || root.dataset.unreachable);
        if (response.status === 429) {
          const wait = parseInt(response.headers.get("Retry-After"), 10) || 2;
          window.clearTimeout(timer);
          timer = window.setTimeout(render, wait * 1000);
        }
      }
    }

    function schedule() {
      window.clearTimeout(timer);
      timer = window.setTimeout(render, DELAY_MS);
    }

    function choose(name, focus) {
      root.dataset.tab = name;
      tabs.forEach((tab) => {
        const on = tab.dataset.mdTab === name;
        tab.setAttribute("aria-selected", on ? "true" : "false");
        tab.tabIndex = on ? 0 : -1;
        if (on && focus) tab.focus();
      });
      if (name === "preview") render();
    }

    tabs.forEach((tab, i) => {
      tab.addEventListener("click", () => choose(tab.dataset.mdTab, false));
      tab.addEventListener("keydown", (event) => {
        if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
          event.preventDefault();
          choose(tabs[(i + 1) % tabs.length].dataset.mdTab, true);
        }
      });
    });

    // one Tab stop for the toolbar; the arrows move within it (WAI-ARIA toolbar)
    function move(to) {
      tools.forEach((tool, i) => (tool.tabIndex = i === to ? 0 : -1));
      tools[to].focus();
    }
    tools.forEach((tool, i) => {
      tool.addEventListener("click", () => {
        if (root.dataset.tab !== "write") choose("write", false);
        apply(textarea, tool.dataset.md, tool.dataset.placeholder);
      });
      tool.addEventListener("keydown", (event) => {
        const last = tools.length - 1;
        const to = { ArrowRight: i === last ? 0 : i + 1, ArrowLeft: i === 0 ? last : i - 1,
                     Home: 0, End: last }[event.key];
        if (to !== undefined) {
          event.preventDefault();
          move(to);
        }
      });
    });

    textarea.addEventListener("keydown", (event) => {
      if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return;
      const key = event.key.toLowerCase();
      const tool = tools.find((t) => t.dataset.md === { b: "bold", i: "italic" }[key]);
      if (tool) {
        event.preventDefault();
        apply(textarea, tool.dataset.md, tool.dataset.placeholder);
      }
    });
    textarea.addEventListener("input", schedule);
    // from a phone's tab layout to a wide one (rotation, a window made wider): render then
    if (window.ResizeObserver) new ResizeObserver(() => visible() && schedule()).observe(root);

    bar.hidden = false;
    preview.hidden = false;
    render();
  }

  function setUpAll() {
    document.querySelectorAll("[data-md-editor]").forEach(setUp);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUpAll);
  else setUpAll();
})();
