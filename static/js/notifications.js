// The bell: joins the person's private room and keeps the unread count live.
// Without this script the count is still right on every page load.
(function () {
  "use strict";

  function label(bell, count) {
    if (count <= 0) return "";
    if (count === 1) return bell.dataset.textOne || "1";
    return (bell.dataset.textMany || "__N__").replace("__N__", String(count));
  }

  function show(bell, count, speak) {
    const badge = bell.querySelector("[data-bell-count]");
    const text = bell.querySelector("[data-bell-text]");
    const previous = parseInt(bell.dataset.unread || "0", 10);
    bell.dataset.unread = String(count);
    if (badge) {
      badge.textContent = String(count);
      badge.hidden = count <= 0;
    }
    if (text) text.textContent = label(bell, count);
    bell.classList.toggle("has-unread", count > 0);
    if (speak && count > previous && window.consiglio && window.consiglio.announce) {
      const announce = bell.dataset.textAnnounce || "__LABEL__";
      window.consiglio.announce(announce.replace("__LABEL__", label(bell, count)));
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const bell = document.querySelector("[data-bell]");
    const live = window.consiglio && window.consiglio.socket;
    if (!bell || !live) return;
    const badge = bell.querySelector("[data-bell-count]");
    bell.dataset.unread = badge && !badge.hidden ? badge.textContent.trim() : "0";
    const room = bell.dataset.bell;
    const join = () => live.emit("room.join", { room: room }, (ack) => {
      bell.dataset.joined = ack && ack.ok ? "yes" : "no";
    });
    live.on("connect", join);
    if (live.connected) join();
    live.on("notifications.count", (message) => {
      const count = message && Number.isInteger(message.unread) ? message.unread : null;
      if (count === null || count < 0) return;
      show(bell, count, true);
      bell.dispatchEvent(new CustomEvent("notifications:count", { detail: count }));
    });
  });
})();
