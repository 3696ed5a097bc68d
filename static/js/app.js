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

  document.addEventListener("DOMContentLoaded", () => {
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
