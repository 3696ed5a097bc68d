// Votes declared aloud (appello nominale) on the chair's console: the members present who have
// not voted in the open named poll, each with the three choices; a choice asks to confirm in
// place, then goes as `ballot.declare` (docs/realtime.md). Drawn again from each snapshot; a
// plugin of live.js (window.consiglioLive). Without JavaScript each choice posts and a page
// asks to confirm. Text from the data only ever goes in as textContent.
(function () {
  "use strict";

  function plugin(ctx) {
    const box = ctx.root.querySelector('[data-live="declared-votes"]');
    if (!box) return null;
    const L = ctx.json(box.dataset.declaredLabels);
    const list = box.querySelector('[data-live="declared-list"]');
    const error = box.querySelector('[data-live="declared-error"]');
    const { make, fill, hidden } = ctx;
    let key = "";
    let last = null; // the latest snapshot
    let refocus = null; // after a vote is recorded: the member whose row takes the focus

    function label(choice) { return (L.said || {})[choice] || choice; }

    // whose vote may still be declared: as council/domain/voting/declared_votes.py waiting()
    function waiting(state) {
      const p = state.poll;
      if (!p || p.state !== "open" || p.kind !== "named") return null;
      const present = new Map(state.attendance.present.map((x) => [x.id, x]));
      const done = new Set(p.ballots.map((b) => b.member.id).concat(p.conflicts.map((x) => x.id)));
      const people = Array.from(present.values()).map((x) => ({ member: x, by: null }));
      state.proxies.forEach((x) => {
        if (present.has(x.to.id) && !present.has(x.from.id)) people.push({ member: x.from, by: x.to });
      });
      return people.filter((x) => !done.has(x.member.id)).sort((a, b) =>
        a.member.name < b.member.name ? -1 : a.member.name > b.member.name ? 1
          : a.member.id < b.member.id ? -1 : 1);
    }

    function choices(entry) {
      const row = make("span", "button-row declared-choices");
      (L.choices || []).forEach(([value, text]) => {
        const button = make("button", "button button-small", text);
        button.type = "submit";
        button.name = "choice";
        button.value = value;
        button.append(make("span", "visually-hidden", " — " + entry.member.name));
        row.append(button);
      });
      return row;
    }

    function row(p, entry) {
      const li = make("li");
      li.dataset.declareMember = entry.member.id;
      const form = make("form", "declare-form");
      form.method = "post";
      form.action = box.dataset.url.replace(/\/polls\/0\//, "/polls/" + p.id + "/");
      form.dataset.declare = "";
      form.dataset.poll = String(p.id);
      form.append(hidden("csrf_token", box.dataset.csrf), hidden("next", box.dataset.next),
        hidden("member", entry.member.id), hidden("client_id", ctx.newClientId()));
      const name = make("span", "declared-name", entry.member.name);
      if (entry.by) name.append(" ", make("small", "", fill(L.by_proxy, { NAME: entry.by.name })));
      form.append(name, " ", choices(entry));
      li.append(form);
      return li;
    }

    function render(state) {
      const people = waiting(state);
      box.hidden = people === null;
      const p = state.poll;
      const next = JSON.stringify([p && p.id, people]);
      if (next === key) return;
      const asking = list.querySelector("[data-confirming]");
      if (asking && people && people.some((x) => x.member.id === asking.closest("li").dataset.declareMember)) {
        return; // a confirmation in progress stays; the list follows after it
      }
      key = next;
      if (!people) { list.replaceChildren(); return; }
      list.replaceChildren(...(people.length ? people.map((entry) => row(p, entry))
        : [make("li", "empty", L.everyone)]));
      if (refocus !== null) {
        const next = list.querySelector('[data-declare-member="' + CSS.escape(refocus) + '"] button')
          || list.querySelector("button");
        if (next) next.focus();
        refocus = null;
      }
    }

    function say(message) {
      error.textContent = message || "";
      error.hidden = !message;
    }

    function ask(form, choice) {
      const li = form.closest("li");
      const name = form.querySelector(".declared-name").firstChild.textContent;
      const row = form.querySelector(".declared-choices");
      const question = make("span", "declared-confirm", fill(L.confirm, { NAME: name, CHOICE: label(choice) }));
      question.dataset.confirming = choice;
      question.setAttribute("role", "status");
      const yes = make("button", "button button-small button-primary", L.yes);
      yes.type = "submit";
      yes.name = "choice";
      yes.value = choice;
      yes.dataset.confirm = "1";
      const no = make("button", "button button-small button-quiet", L.cancel);
      no.type = "button";
      no.addEventListener("click", () => {
        key = "";
        question.removeAttribute("data-confirming");
        const member = li.dataset.declareMember;
        if (last) render(last);
        const again = list.querySelector('[data-declare-member="' + CSS.escape(member) + '"] button');
        if (again) again.focus();
      });
      row.replaceChildren(question, " ", yes, " ", no);
      yes.focus();
    }

    function declare(form, choice, button) {
      const payload = { poll: parseInt(form.dataset.poll, 10), member: form.elements.member.value,
        choice, client_id: form.elements.client_id.value };
      ctx.send("ballot.declare", payload, button, (ack) => {
        if (!ack.ok) { say(ack.message); return; }
        say("");
        const li = form.closest("li");
        if (list.contains(li)) { // the snapshot without this member comes next
          const after = li.nextElementSibling || li.previousElementSibling;
          refocus = (after && after.dataset.declareMember) || "";
        } else {
          const first = list.querySelector("button");
          if (first) first.focus();
        }
        const name = form.querySelector(".declared-name").firstChild.textContent;
        ctx.announce(fill(L.recorded, { NAME: name, CHOICE: label(choice) }));
        key = "";
        const confirming = form.querySelector("[data-confirming]");
        if (confirming) confirming.removeAttribute("data-confirming");
      });
    }

    box.addEventListener("submit", (event) => {
      const form = event.target;
      if (form.dataset.declare === undefined) return;
      event.preventDefault();
      const submitter = event.submitter;
      if (!submitter || submitter.name !== "choice") return;
      if (submitter.dataset.confirm === "1") declare(form, submitter.value, submitter);
      else ask(form, submitter.value);
    });

    return {
      render(state) { last = state; render(state); },
    };
  }

  (window.consiglioLive = window.consiglioLive || []).push(plugin);
})();
