// The chair's console: the previous and next agenda item kept in step with each snapshot,
// "Open the session" enabled when its time comes (the snapshot's opens_at, from the domain's
// rule), and keyboard shortcuts for the frequent actions (listed on the page). A plugin of
// live.js (window.consiglioLive); without it the console's forms still post.
(function () {
  "use strict";

  const TYPING = "input, textarea, select, [contenteditable], [contenteditable='true']";

  function plugin(ctx) {
    if (ctx.mode !== "console") return null;
    const root = ctx.root;
    const L = ctx.json(root.dataset.labels);
    let state = null;
    let offset = 0; // local clock minus server clock, in ms

    function neighbour(which, item) {
      root.querySelectorAll('[data-live="item-' + which + '"]').forEach((form) => {
        form.hidden = !item;
        if (!item) return;
        form.dataset.payload = JSON.stringify({ item: item.id });
        const field = form.querySelector('input[name="item"]'); // not elements.item: a method
        if (field) field.value = String(item.id);
        form.querySelectorAll('[data-live="item-' + which + '-title"]').forEach((span) => {
          span.textContent = ": " + item.number + ". " + item.title;
        });
      });
    }

    function renderItems() {
      const agenda = state.agenda;
      const at = agenda.findIndex((item) => item.current);
      neighbour("prev", at > 0 ? agenda[at - 1] : null);
      neighbour("next", agenda[at + 1] || null); // none under discussion yet: the first
    }

    let waking = null;

    // "Open the session" is refused before opens_at: disabled with the time until then, and
    // enabled at that moment (checked again at most a minute apart).
    function renderOpening() {
      window.clearTimeout(waking);
      root.querySelectorAll("button[data-opens-at]").forEach((button) => {
        const opensAt = Date.parse((state && state.meeting.opens_at) || button.dataset.opensAt);
        const wait = opensAt - (Date.now() - offset);
        const ready = wait <= 0;
        if (!ready) waking = window.setTimeout(renderOpening, Math.min(wait + 250, 60000));
        button.disabled = !ready;
        button.classList.toggle("button-primary", ready);
        const reason = button.parentElement.querySelector('[data-live="opens-reason"]');
        if (reason) reason.hidden = ready;
        if (ready) button.removeAttribute("aria-describedby");
      });
    }

    function press(selector, empty) {
      const button = root.querySelector(selector);
      if (button && !button.disabled && button.offsetParent !== null) {
        button.click();
        return;
      }
      if (empty) ctx.announce(empty);
    }

    document.addEventListener("keydown", (event) => {
      if (event.defaultPrevented || event.repeat || event.ctrlKey || event.metaKey || event.altKey) return;
      const target = event.target;
      if (target && target.closest && target.closest(TYPING)) return;
      const key = event.key.toLowerCase();
      if (key === "n") {
        event.preventDefault();
        press('[data-live="queue"] > li button[data-socket="speakers.give_floor"], [data-live="queue"] > li .live-queue-actions .button-primary', L.empty_queue);
      } else if (key === "e") {
        event.preventDefault();
        press('[data-live="end-form"] button[type="submit"]', L.nobody);
      } else if (key === "v") {
        const votes = document.getElementById("console-votes-title");
        if (!votes) return;
        event.preventDefault();
        votes.tabIndex = -1;
        votes.scrollIntoView({ block: "start" });
        votes.focus();
      }
    });

    return {
      render(snapshot) {
        state = snapshot;
        offset = Date.now() - Date.parse(snapshot.server_time);
        renderItems();
        renderOpening();
      },
    };
  }

  (window.consiglioLive = window.consiglioLive || []).push(plugin);
})();
