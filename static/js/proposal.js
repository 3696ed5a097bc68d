// The proposal page, live: when the proposal itself changes (a new version, a new state,
// its topic or zones), say so and offer to reload. Counts of comments and supports are kept
// up to date by discussion.js; without this script the page is simply as it was served.
(function () {
  "use strict";

  const KINDS = ["proposal.version_added", "proposal.state_changed", "proposal.updated"];

  document.addEventListener("DOMContentLoaded", () => {
    const article = document.querySelector("[data-proposal]");
    const notice = document.querySelector("[data-proposal-changed]");
    const live = window.consiglio;
    if (!article || !notice || !live || !live.socket) return;
    const proposal = article.dataset.proposal;
    const socket = live.socket;
    const join = () => socket.emit("room.join", { room: `proposal:${proposal}` });
    socket.on("connect", join);
    if (socket.connected) join();
    socket.on("discussion.changed", (message) => {
      if (!message || String(message.proposal) !== proposal) return;
      if (!KINDS.includes(message.kind)) return;
      if (!notice.hidden) return;
      notice.hidden = false;
      live.announce(notice.dataset.message);
    });
  });
})();
