// The phase of the session on a meeting's pages: the sentence that says what is true now, the
// list of the meeting's votes with their state or outcome, and, once closed, the summary (who
// was present at the close, what was decided, the minutes). A plugin of live.js
// (window.consiglioLive) drawing from each snapshot what templates/meetings/_phase.html draws
// on the server, with the same words (its phase_labels()). Text from the data goes in as
// textContent only.
(function () {
  "use strict";

  function plugin(ctx) {
    const holder = ctx.root.querySelector("[data-phase-labels]");
    if (!holder) return null;
    const P = ctx.json(holder.dataset.phaseLabels);
    const { make, fill, badge } = ctx;
    const all = (name) => Array.from(ctx.root.querySelectorAll('[data-live="' + name + '"]'));
    const sentinel = String(P.sentinel);
    const drawn = {}; // area -> the key it was last drawn from

    function number(template, n) {
      const values = {};
      values[sentinel] = n;
      return fill(template, values);
    }

    function counted(forms, n) { return number(forms[n === 1 ? 0 : 1], n); }

    function phaseText(state) {
      const s = state.meeting.state;
      const open = Boolean(state.poll && state.poll.state === "open");
      if ((s === "in_progress" || s === "suspended") && open) return P.phases[s + "_vote"];
      return P.phases[s] || "";
    }

    function outcome(p) {
      if (!p.valid) return P.void;
      if (p.amendment) return p.approved ? P.amendment_approved : P.amendment_rejected;
      return p.approved ? P.approved : P.rejected;
    }

    function status(p) {
      if (p.state === "closed") return badge(outcome(p), !p.valid ? "warning" : p.approved ? "success" : "danger");
      return badge(P.states[p.state], P.state_tones[p.state]);
    }

    function link(href, text) {
      const a = make("a", "", text);
      a.href = href;
      return a;
    }

    // The same structure as _phase.html's poll_entry.
    function entry(p, state) {
      const li = make("li");
      li.dataset.poll = String(p.id);
      li.append(link(number(P.poll_url, p.id), p.question), make("br"), badge(P.kinds[p.kind], "info"),
        " ", status(p));
      if (p.totals) {
        li.append(" ", make("small", "", [counted(P.in_favour, p.totals.in_favour),
          counted(P.against, p.totals.against), counted(P.abstained, p.totals.abstain)].join(" · ")));
      }
      if (p.decision) {
        li.append(" · ", link(fill(P.decision_url, { NUMBER: p.decision }), fill(P.decision, { NUMBER: p.decision })));
      }
      const item = state.agenda.find((x) => x.id === p.item);
      if (item) {
        let where = fill(number(P.item, item.number), { TITLE: item.title });
        if (p.amendment_number) where += " · " + number(P.amendment, p.amendment_number);
        li.append(make("br"), make("small", "", where));
      }
      return li;
    }

    // Draw an area again only when what it shows has changed (a ballot moves the version).
    function changed(area, value) {
      const key = JSON.stringify(value);
      if (drawn[area] === key) return false;
      drawn[area] = key;
      return true;
    }

    function renderVotes(state) {
      const polls = state.polls || [];
      const shown = polls.map((p) => [p.id, p.state, p.valid, p.approved, p.decision, p.totals, p.question]);
      if (!changed("votes", [shown, state.agenda])) return;
      all("votes-section").forEach((node) => { node.hidden = !polls.length; });
      all("votes").forEach((list) => list.replaceChildren(...polls.map((p) => entry(p, state))));
      const closed = polls.filter((p) => p.state === "closed");
      all("outcomes").forEach((list) => {
        list.replaceChildren(...(closed.length ? closed.map((p) => entry(p, state)) : [make("li", "empty", P.no_votes)]));
      });
    }

    function renderSummary(state) {
      const a = state.attendance;
      const people = a.at_close || [];
      if (!changed("summary", [people, a.members, state.meeting.state])) return;
      all("at-close-count").forEach((node) => {
        node.textContent = fill(P.at_close, { COUNT: people.length, MEMBERS: a.members });
      });
      all("at-close").forEach((list) => {
        list.replaceChildren(...(people.length ? people.map((x) => make("li", "", x.name))
          : [make("li", "empty", P.nobody_at_close)]));
      });
      if (state.meeting.state === "closed" && P.minutes_url) {
        all("summary-minutes").forEach((node) => {
          if (!node.querySelector("a")) node.replaceChildren(link(P.minutes_url, P.minutes));
        });
      }
    }

    return {
      render(state) {
        const text = phaseText(state);
        all("phase-note").forEach((node) => {
          node.textContent = text;
          node.className = "live-phase live-phase-" + state.meeting.state;
        });
        renderVotes(state);
        renderSummary(state);
      },
    };
  }

  (window.consiglioLive = window.consiglioLive || []).push(plugin);
})();
