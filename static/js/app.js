// Progressive enhancement: every page works without this script; it adds live updates.
(function () {
  "use strict";

  // Tell screen-reader users about a change that happened on its own: politely, or, when it
  // needs them now (a vote opened, the floor given to them), assertively.
  function announce(text, urgent) {
    const region = document.getElementById(urgent ? "live-alert" : "live-announcer");
    if (!region) return;
    region.textContent = "";
    window.setTimeout(() => { region.textContent = text; }, 50);
  }

  function connect() {
    if (typeof window.io !== "function") return null;
    const socket = window.io({ transports: ["websocket", "polling"] });
    // This login was ended (logout elsewhere, a password change): show the page as the
    // person may still see it; not while this page is already leaving (its own logout).
    let leaving = false;
    window.addEventListener("beforeunload", () => { leaving = true; });
    socket.on("session.ended", () => { if (!leaving) window.location.reload(); });
    return socket;
  }

  function followRecordHead(socket) {
    const seqNodes = document.querySelectorAll("[data-record-head-seq]");
    if (!seqNodes.length) return;
    socket.on("connect", () => socket.emit("room.join", { room: "record" }));
    // Two server processes' commits may arrive in either order: the head only moves on.
    let shown = parseInt(seqNodes[0].textContent, 10) || 0;
    socket.on("record.appended", (event) => {
      if (!event || typeof event.seq !== "number" || event.seq <= shown) return;
      shown = event.seq;
      seqNodes.forEach((node) => { node.textContent = String(event.seq); });
      // data-record-head-hash="16" shows the first 16 characters, empty shows it all.
      const hash = typeof event.hash === "string" ? event.hash : "";
      document.querySelectorAll("[data-record-head-hash]").forEach((node) => {
        const size = parseInt(node.dataset.recordHeadHash, 10);
        node.textContent = hash && size > 0 ? hash.slice(0, size) + "…" : hash || "…";
      });
    });
  }

  // The header's menu on phones (Bootstrap Italia's navbar-collapsable, without the kit's
  // script): the button says whether it is open; Escape, the close button and the backdrop
  // close it and give the focus back; Tab stays inside while it is open.
  function menu() {
    const panel = document.querySelector("[data-menu]");
    const opener = document.querySelector("[data-menu-open]");
    if (!panel || !opener) return;
    const closer = panel.querySelector("[data-menu-close]");
    const focusable = () => Array.from(panel.querySelectorAll("a[href], button:not([disabled])"))
      .filter((node) => node.offsetParent !== null);
    function open() {
      panel.classList.add("is-open");
      opener.setAttribute("aria-expanded", "true");
      window.requestAnimationFrame(() => panel.classList.add("expanded"));
      const current = panel.querySelector('.nav-link[aria-current="page"]') || focusable()[1];
      if (current) current.focus();
    }
    function close(giveFocusBack) {
      if (!panel.classList.contains("is-open")) return;
      panel.classList.remove("is-open", "expanded");
      opener.setAttribute("aria-expanded", "false");
      if (giveFocusBack) opener.focus();
    }
    opener.addEventListener("click", () => {
      if (opener.getAttribute("aria-expanded") === "true") close(true); else open();
    });
    if (closer) closer.addEventListener("click", () => close(true));
    const backdrop = panel.querySelector("[data-menu-close-overlay]");
    if (backdrop) backdrop.addEventListener("click", () => close(true));
    document.addEventListener("keydown", (event) => {
      if (!panel.classList.contains("is-open")) return;
      if (event.key === "Escape") { close(true); return; }
      if (event.key !== "Tab") return;
      const nodes = focusable();
      if (!nodes.length) return;
      const first = nodes[0];
      const last = nodes[nodes.length - 1];
      if (event.shiftKey && document.activeElement === first) { last.focus(); event.preventDefault(); }
      else if (!event.shiftKey && document.activeElement === last) { first.focus(); event.preventDefault(); }
    });
    // From 992 px the links are a row: a menu left open on a phone turned sideways closes.
    window.matchMedia("(min-width: 992px)").addEventListener("change", (query) => {
      if (query.matches) close(false);
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    menu();
    // Move focus to the first form error so keyboard and screen-reader users hear it.
    const errors = document.getElementById("form-errors");
    if (errors) errors.focus();

    const socket = connect();
    if (socket) {
      window.consiglio = { socket, announce };
      followRecordHead(socket);
    }
  });
})();
