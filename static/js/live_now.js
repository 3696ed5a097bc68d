// The member's "now" area (templates/meetings/_now.html): my place on the list of speakers,
// the banner when I have the floor, and what concerns me coming to me. When a vote opens or
// the chair gives me the floor, the area is brought into view, said in the assertive live
// region, the tab's title changes and the phone vibrates where the browser allows; the title
// comes back when it is over. A plugin of live.js (window.consiglioLive), after live_polls.js.
(function () {
  "use strict";

  const MARK = "● ";

  function plugin(ctx) {
    const area = ctx.root.querySelector("[data-now]");
    if (!area || !ctx.me) return null;
    const N = ctx.json(area.dataset.nowLabels);
    const part = (name) => area.querySelector('[data-now="' + name + '"]');
    const baseTitle = document.title;
    let seen = null; // what concerned me at the last snapshot: {vote, floor}
    let state = null;

    function urgent(text) {
      const live = window.consiglio;
      if (live && live.announce) live.announce(text, true);
    }

    function vibrate() {
      try {
        if (navigator.vibrate) navigator.vibrate([200, 100, 200]);
      } catch (_error) { /* a browser may refuse it without a tap on the page */ }
    }

    function bringIntoView() {
      const still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
      area.scrollIntoView({ block: "start", behavior: still ? "auto" : "instant" });
    }

    function voted(poll) {
      // my own ballot: live_polls.js draws a confirmation in its place once it is cast
      const mine = area.querySelector('[data-target="' + CSS.escape(ctx.me) + '"]');
      return Boolean(mine && mine.querySelector(".vote-done"));
    }

    function openVote() {
      const p = state && state.poll;
      const voter = Boolean(area.querySelector('[data-live="vote-panel"][data-voter="1"]'));
      return p && p.state === "open" && voter ? p : null;
    }

    function myFloor() {
      const current = state && state.speakers.current;
      return current && current.user.id === ctx.me ? current : null;
    }

    function renderTitle() {
      const floor = myFloor();
      const poll = openVote();
      if (floor) document.title = MARK + N.title_floor + " — " + baseTitle;
      else if (poll && !voted(poll)) document.title = MARK + N.title_vote + " — " + baseTitle;
      else document.title = baseTitle;
    }

    function renderPlace() {
      const queue = state.speakers.queue;
      const index = queue.findIndex((entry) => entry.user.id === ctx.me);
      const box = part("place");
      if (!box) return;
      box.hidden = index < 0;
      if (index < 0) return;
      const entry = queue[index];
      part("place-text").textContent = ctx.fill(N.place, { N: index + 1 });
      const form = part("withdraw");
      form.dataset.payload = JSON.stringify({ request: entry.request });
      form.action = form.action.replace(/\/speakers\/\d+\/withdraw$/, "/speakers/" + entry.request + "/withdraw");
    }

    function arrive(now) {
      const before = seen;
      seen = now;
      if (before === null) return; // the page as loaded: the area is already on top
      if (now.floor && now.floor !== before.floor) {
        bringIntoView();
        urgent(N.floor);
        vibrate();
      } else if (now.vote && now.vote !== before.vote) {
        bringIntoView();
        urgent(ctx.fill(N.vote_opened, { QUESTION: openVote().question }));
        vibrate();
      }
    }

    ctx.root.addEventListener("consiglio:voted", () => { if (state) renderTitle(); });

    return {
      render(snapshot) {
        state = snapshot;
        area.hidden = snapshot.meeting.state === "closed"; // nothing left to take part in
        const floor = myFloor();
        const banner = part("floor");
        if (banner) banner.hidden = !floor;
        renderPlace();
        const poll = openVote();
        arrive({ vote: poll ? poll.id : null, floor: floor ? floor.request : null });
        renderTitle();
      },
    };
  }

  (window.consiglioLive = window.consiglioLive || []).push(plugin);
})();
