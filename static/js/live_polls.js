// The live vote (votazione) on a meeting's pages: draws the poll the room looks at, the member's
// ballots and the chair's list of polls from each snapshot (docs/realtime.md, Votes), and sends
// the ballot and poll forms over the socket. A plugin of live.js (window.consiglioLive); the
// same forms post without JavaScript. Text from the data only ever goes in as textContent.
(function () {
  "use strict";

  const CHOICES = ["in_favour", "against", "abstain"];

  function capitalize(text) {
    const value = String(text || "");
    return value.charAt(0).toUpperCase() + value.slice(1).toLowerCase();
  }

  function plugin(ctx) {
    const panels = Array.from(ctx.root.querySelectorAll('[data-live="vote-panel"]'));
    if (!panels.length) return null;
    const V = ctx.json((panels.find((panel) => panel.dataset.voteLabels) || panels[0]).dataset.voteLabels);
    const N = ctx.json((ctx.root.querySelector("[data-now]") || { dataset: {} }).dataset.nowLabels);
    const S = V.sentinels || {};
    const voter = panels.some((panel) => panel.dataset.voter === "1");
    const decides = panels.some((panel) => panel.dataset.decides === "1");
    const prepareForm = ctx.root.querySelector('form[data-poll-action="poll.prepare"]');
    const { make, fill, badge, hidden } = ctx;
    const all = (name) => Array.from(ctx.root.querySelectorAll('[data-live="' + name + '"]'));

    let state = null;
    let mine = null; // the join's {"poll", "voted_for", "conflict"}
    const cast = {}; // poll id -> {member public id: choice, null when secret}, from the acks
    // poll id -> {member public id: choice} tapped and confirmed on this page: a secret choice
    // is said back only here, never by the server, and forgotten when the page is left
    const chosen = {};
    const conflicts = {}; // poll id -> true once this page declared one
    let shown = null; // the focus poll last drawn: {id, state}
    let mineKey = "";
    let currentItem = null;
    const entryKeys = {}; // poll id -> what its console entry was drawn from

    function sentinel(name) { return String(S[name]); }

    // --- the poll the room looks at ------------------------------------------------------------

    function outcomeLabel(p) {
      if (!p.valid) return V.void;
      if (p.amendment) return p.approved ? V.amendment_approved : V.amendment_rejected;
      return p.approved ? V.approved : V.rejected;
    }

    function outcomeTone(p) { return !p.valid ? "warning" : p.approved ? "success" : "danger"; }

    function sentence(p) {
      const r = p.result;
      const values = { RULE: V.rules[p.rule], OUTCOME: outcomeLabel(p) };
      if (!r.valid) {
        values[sentinel("present")] = r.present;
        values[sentinel("quorum")] = Math.floor(r.members / 2) + 1;
        return fill(V.sentence_void, values);
      }
      values[sentinel("yes")] = r.in_favour;
      if (!r.approved && r.in_favour === r.against) {
        values[sentinel("no")] = r.against;
        return fill(V.sentence_tie, values);
      }
      values[sentinel("needed")] = r.needed;
      return fill(r.needed === 1 ? V.sentence_one : V.sentence_many, values);
    }

    function amendmentBadge(p) {
      const values = {};
      values[sentinel("amendment")] = p.amendment_number;
      return badge(fill(V.amendment, values));
    }

    function ballotsTable(ballots) {
      const wrap = make("div", "table-wrap");
      wrap.tabIndex = 0; // it may scroll sideways on a phone
      wrap.setAttribute("role", "region");
      wrap.setAttribute("aria-label", V.caption);
      const table = make("table", "table vote-table table-stack"); // one card per row on a phone
      const head = make("tr");
      [V.member, V.vote, V.statement].forEach((text) => {
        const th = make("th", "", text);
        th.scope = "col";
        head.append(th);
      });
      const thead = make("thead");
      thead.append(head);
      const body = make("tbody");
      ballots.forEach((b) => {
        const row = make("tr");
        const who = make("th", "", b.member.name);
        who.scope = "row";
        if (b.by) who.append(make("br"), make("small", "", fill(V.by_proxy, { NAME: b.by.name })));
        if (b.entered_by) who.append(make("br"), make("small", "vote-declared", fill(V.entered_by, { NAME: b.entered_by.name })));
        const choice = make("td");
        choice.dataset.label = V.vote;
        choice.append(badge(V.choices[b.choice], V.choice_tones[b.choice]));
        const reason = make("td", "vote-reason", b.reason || "—");
        reason.dataset.label = V.statement;
        row.append(who, choice, reason);
        body.append(row);
      });
      table.append(make("caption", "visually-hidden", V.caption), thead, body);
      wrap.append(table);
      return wrap;
    }

    function tally(p) {
      const box = make("div", "vote-tally");
      if (p.tally) {
        const numbers = make("dl", "vote-numbers");
        [["in_favour", V.in_favour], ["against", V.against], ["abstain", V.abstained]].forEach(([choice, label]) => {
          const group = make("div", "vote-number vote-" + choice);
          group.append(make("dt", "", label), make("dd", "", String(p.tally[choice])));
          numbers.append(group);
        });
        box.append(numbers);
      }
      box.append(make("p", "vote-progress", fill(V.voted, { VOTED: p.voted, EXPECTED: p.expected })));
      if (p.kind === "named") {
        box.append(p.ballots.length ? ballotsTable(p.ballots) : make("p", "empty", V.nobody_voted));
      } else if (p.state === "open") {
        box.append(make("p", "vote-secret-note", V.secret_open));
      } else {
        const details = make("details", "vote-people-box");
        const list = make("ul", "plain-list vote-people");
        p.participants.forEach((person) => list.append(make("li", "", person.name)));
        details.append(make("summary", "", V.took_part + " (" + p.participants.length + ")"), list);
        box.append(details);
      }
      if (p.conflicts.length) {
        const line = make("p", "vote-conflicts");
        line.append(make("strong", "", V.conflicts + ":"), " " + p.conflicts.map((x) => x.name).join(", "));
        box.append(line);
      }
      return box;
    }

    function result(p) {
      const r = p.result;
      const box = make("div", "vote-result");
      const outcome = make("p", "vote-outcome");
      outcome.append(badge(outcomeLabel(p), outcomeTone(p)), " " + sentence(p));
      const counts = make("dl", "facts vote-counts");
      const rows = [[V.present_close, r.present], [V.represented, r.represented], [V.conflicts_declared, r.conflict]];
      if (r.valid) rows.push([V.needed, r.needed]);
      rows.forEach(([label, value]) => counts.append(make("dt", "", label), make("dd", "", String(value))));
      box.append(outcome, counts);
      if (p.decision) box.append(make("p", "vote-decision", fill(V.decision, { NUMBER: p.decision })));
      return box;
    }

    function focus(p) { return focusHead(p).concat(focusNotes(p)); }

    function focusHead(p) {
      if (!p) return [];
      const badges = make("p", "vote-badges");
      badges.append(badge(V.kinds[p.kind], "info"), " ", badge(V.states[p.state], V.state_tones[p.state]));
      if (p.amendment_number) badges.append(" ", amendmentBadge(p));
      return [badges, make("p", "vote-question", p.question)];
    }

    function focusNotes(p) {
      if (!p) return [];
      const stored = make("p", "vote-stored");
      stored.append(make("strong", "", V.what_stored + ":"), " " + V.stored[p.kind]);
      if (p.kind === "named") stored.append(" " + (p.allow_change ? V.change_allowed : V.change_refused));
      else {
        const help = make("a", "", V.secret_help);
        help.href = V.secret_help_url;
        stored.append(" ", help);
      }
      const rule = make("p", "vote-rule");
      rule.textContent = V.explain[p.rule];
      return [stored, rule];
    }

    function numbers(p) {
      if (!p) return [];
      const nodes = [p.state === "prepared" ? make("p", "vote-waiting", V.waiting) : tally(p)];
      if (p.result) nodes.push(result(p));
      return nodes;
    }

    function announceChange(p) {
      if (p && shown && (shown.id !== p.id || shown.state !== p.state)) {
        // on a member's page live_now.js says it, urgently
        if (p.state === "open" && !N.vote_opened) ctx.announce(fill(V.opened, { QUESTION: p.question }));
        else if (p.state === "closed" && p.result) ctx.announce(outcomeLabel(p) + ". " + sentence(p));
      }
      shown = p ? { id: p.id, state: p.state } : null;
    }

    // --- the member's ballots -----------------------------------------------------------------

    function targets() {
      const here = new Map(state.attendance.present.map((x) => [x.id, x.name]));
      if (!here.has(ctx.me)) return null;
      const list = [{ id: ctx.me, name: here.get(ctx.me), proxy: false }];
      state.proxies.forEach((x) => {
        if (x.to.id === ctx.me && !here.has(x.from.id)) list.push({ id: x.from.id, name: x.from.name, proxy: true });
      });
      return list;
    }

    // member id -> the choice (named), null (secret: cast, never said), undefined: not cast
    function votes(p) {
      const found = {};
      if (mine && mine.poll === p.id) mine.voted_for.forEach((id) => { found[id] = null; });
      Object.assign(found, cast[p.id] || {});
      p.ballots.forEach((b) => { found[b.member.id] = b.choice; });
      return found;
    }

    function ballotForm(p, target, again, current) {
      const form = make("form", "ballot-form");
      form.method = "post";
      form.dataset.ballot = target.id;
      form.dataset.poll = String(p.id);
      form.dataset.kind = p.kind;
      form.append(hidden("client_ballot_id", ctx.newClientId()));
      if (target.proxy) form.append(hidden("for_member", target.id));
      const fieldset = make("fieldset", "field-group");
      const proxyName = fill(V.proxy_vote, { NAME: target.name });
      fieldset.append(make("legend", !again && !target.proxy ? "ballot-legend-own" : "",
        again ? V.change_vote : target.proxy ? proxyName : V.your_vote));
      const row = make("div", "ballot-choices");
      CHOICES.forEach((choice) => {
        const button = make("button", "button ballot-choice ballot-" + choice, capitalize(V.choices[choice]));
        button.type = "submit";
        button.name = "choice";
        button.value = choice;
        if (again) button.setAttribute("aria-pressed", String(choice === current));
        if (target.proxy) button.append(make("span", "visually-hidden", " — " + proxyName));
        row.append(button);
      });
      fieldset.append(row, make("p", "field-hint ballot-hint", N.tap_confirm || ""));
      form.append(fieldset);
      return form;
    }

    function confirmation(p, target, choice) {
      let text;
      if (p.kind === "secret") {
        text = target.proxy ? fill(V.recorded_proxy_secret, { NAME: target.name }) : V.recorded_secret;
      } else {
        const said = V.choices[choice] || "";
        text = target.proxy ? fill(V.recorded_proxy, { NAME: target.name, CHOICE: said })
          : fill(V.recorded, { CHOICE: said });
      }
      const mine = (chosen[p.id] || {})[target.id];
      if (p.kind === "secret" && mine && N.secret_chosen) text += " " + fill(N.secret_chosen, { CHOICE: V.choices[mine] });
      const node = make("p", "vote-done", text);
      node.setAttribute("role", "status");
      node.tabIndex = -1;
      return node;
    }

    function conflictForm(p) {
      const form = make("form", "vote-conflict-form");
      form.method = "post";
      form.dataset.pollAction = "poll.declare_conflict";
      form.dataset.poll = String(p.id);
      const hint = make("p", "field-hint", V.conflict_hint);
      hint.id = "conflict-hint-" + p.id;
      const button = make("button", "button button-quiet", V.conflict);
      button.type = "submit";
      button.setAttribute("aria-describedby", hint.id);
      form.append(hint, button);
      return form;
    }

    function myVote(p) {
      if (!voter || !p || p.state !== "open") return { key: "none", nodes: [] };
      const list = targets();
      if (!list) return { key: "absent", nodes: [make("p", "vote-absent", V.absent)] };
      const voted = votes(p);
      const conflict = Boolean(conflicts[p.id] || (mine && mine.poll === p.id && mine.conflict)
        || p.conflicts.some((x) => x.id === ctx.me));
      const key = JSON.stringify([p.id, p.kind, p.allow_change, list, list.map((t) => voted[t.id]), conflict,
        chosen[p.id] || {}]);
      const nodes = list.map((target) => {
        const box = make("div", "vote-target");
        box.dataset.target = target.id;
        if (target.id in voted) {
          box.append(confirmation(p, target, voted[target.id]));
          const changes = p.kind === "named" && p.allow_change;
          if (N.can_change) box.append(make("p", "vote-done-note", changes ? N.can_change : N.cannot_change));
          if (changes) box.append(ballotForm(p, target, true, voted[target.id]));
        } else if (!target.proxy && conflict) {
          const done = make("p", "vote-done", V.conflict_done);
          done.setAttribute("role", "status");
          box.append(done);
        } else {
          box.append(ballotForm(p, target, false));
        }
        return box;
      });
      if (!(ctx.me in voted) && !conflict) nodes.push(conflictForm(p));
      return { key, nodes };
    }

    function renderMine(force) {
      const drawn = myVote(state.poll);
      if (drawn.key === mineKey && !force) return;
      mineKey = drawn.key;
      all("my-vote").forEach((node) => node.replaceChildren(...drawn.nodes));
    }

    // --- the chair's console ------------------------------------------------------------------

    const C = ctx.json(ctx.root.dataset.consoleLabels);

    // A control that cannot work now is disabled with the reason beside it (the same words as
    // the refusal, council/domain/meetings/opening.py).
    function actionForm(event, p, label, style, refusal) {
      const form = make("form", "inline-form control-with-reason");
      form.method = "post";
      form.dataset.pollAction = event;
      form.dataset.poll = String(p.id);
      const button = make("button", "button " + (refusal ? "" : style), label);
      button.type = "submit";
      button.append(make("span", "visually-hidden", ": " + p.question));
      form.append(button);
      if (refusal) {
        const reason = make("span", "control-reason", (C.refusals || {})[refusal] || "");
        reason.id = "poll-reason-" + p.id;
        button.disabled = true;
        button.setAttribute("aria-describedby", reason.id);
        form.append(reason);
      }
      return form;
    }

    // The console's order (meeting_live._console_order): the open poll, those that can open
    // (amendments first), those awaiting their decision, those that cannot open yet; the rest
    // are done (null).
    function consoleRank(p) {
      if (p.state === "open") return 0;
      if (p.state === "prepared") return p.refusal ? 3 : 1;
      if (p.valid && !p.recorded && decides) return 2;
      return null;
    }

    function consoleOrder(a, b) {
      return consoleRank(a) - consoleRank(b) || (a.amendment === null) - (b.amendment === null) || a.id - b.id;
    }

    function pollsFor(list) {
      const which = list.dataset.polls;
      if (which === "pending") return state.polls.filter((p) => consoleRank(p) !== null && consoleRank(p) !== 3).sort(consoleOrder);
      if (which === "waiting") return state.polls.filter((p) => consoleRank(p) === 3).sort(consoleOrder);
      if (which === "done") return state.polls.filter((p) => consoleRank(p) === null);
      return state.polls;
    }

    function decisionForm(p) {
      const form = actionForm("decision.record", p, p.amendment ? V.record_outcome : V.record_decision, "button-primary");
      form.className = "vote-decide";
      if (!p.amendment) {
        const field = make("div", "field");
        const label = make("label", "field-label", V.decision_text);
        const area = make("textarea", "input");
        area.id = label.htmlFor = "decision-text-" + p.id;
        area.name = "text";
        area.rows = 2;
        field.append(label, area);
        form.prepend(field);
      }
      return form;
    }

    function entry(p) {
      const li = make("li");
      li.dataset.poll = String(p.id);
      const badges = make("p", "vote-badges");
      badges.append(badge(V.kinds[p.kind], "info"), " ",
        p.state === "closed" ? badge(outcomeLabel(p), outcomeTone(p)) : badge(V.states[p.state], V.state_tones[p.state]));
      if (p.amendment_number) badges.append(" ", amendmentBadge(p));
      const item = state.agenda.find((x) => x.id === p.item);
      const question = make("p", "vote-list-question");
      question.append(make("strong", "", p.question), make("br"),
        make("small", "", (item ? item.number + ". " + item.title + " · " : "") + V.rules[p.rule]));
      li.append(badges, question);
      if (prepareForm && p.state === "prepared") li.append(actionForm("poll.open", p, V.open, "button-primary", p.refusal));
      else if (prepareForm && p.state === "open") li.append(actionForm("poll.close", p, V.close, "button-danger"));
      else if (p.state === "closed" && p.valid && !p.recorded && decides) li.append(decisionForm(p));
      if (p.decision) li.append(make("p", "vote-decision", fill(V.decision, { NUMBER: p.decision })));
      return li;
    }

    function renderList() {
      const lists = all("poll-list");
      if (!lists.length) return;
      lists.forEach((list) => {
        const kept = new Map(Array.from(list.children).map((li) => [li.dataset.poll, li]));
        const empty = list.querySelector("li.empty");
        const polls = pollsFor(list);
        const items = polls.map((p) => {
          const key = JSON.stringify([p.state, p.recorded, p.decision, p.valid, p.approved, p.question, p.refusal]);
          const old = kept.get(String(p.id));
          const id = list.dataset.polls + p.id;
          if (old && entryKeys[id] === key) return old;
          entryKeys[id] = key;
          return entry(p);
        });
        const none = empty || make("li", "empty", list.dataset.empty || V.no_polls);
        const quiet = list.dataset.empty === ""; // a list with nothing to say when empty hides
        list.replaceChildren(...(items.length || quiet ? items : [none]));
        list.hidden = quiet && !items.length;
        if (list.dataset.polls === "done") all("polls-done-count").forEach((n) => { n.textContent = String(polls.length); });
      });
    }

    function followCurrentItem() {
      const item = state.current_item ? state.current_item.id : null;
      if (prepareForm && item !== currentItem && item !== null) prepareForm.querySelector('[name="item"]').value = String(item);
      currentItem = item;
    }

    // --- sending --------------------------------------------------------------------------------

    function pollOf(form) { return parseInt(form.dataset.poll, 10); }

    // The first tap chooses: "Confirm: In favour?" beside the buttons (and, for a named poll,
    // the statement of vote); the second sends. Cancel puts the finger back on the choice.
    function askConfirm(form, button) {
      const old = form.querySelector(".ballot-confirm");
      if (old) old.remove();
      const choice = button.value;
      form.dataset.chosen = choice;
      form.querySelectorAll(".ballot-choice").forEach((b) => b.classList.toggle("is-chosen", b === button));
      const box = make("div", "ballot-confirm");
      const id = "confirm-" + form.dataset.poll + "-" + form.dataset.ballot;
      const question = make("p", "ballot-confirm-question", fill(N.confirm_q || "", { CHOICE: capitalize(V.choices[choice]) }));
      question.id = id;
      box.append(question);
      if (form.dataset.kind === "named") {
        const field = make("div", "field");
        const label = make("label", "field-label", V.reason);
        const area = make("textarea", "input vote-reason-input");
        area.id = label.htmlFor = "reason-" + form.dataset.poll + "-" + form.dataset.ballot;
        area.name = "reason";
        area.rows = 2;
        area.maxLength = 500;
        field.append(label, area);
        box.append(field);
      }
      const row = make("div", "button-row ballot-confirm-buttons");
      const yes = make("button", "button button-primary ballot-confirm-yes", N.confirm || "OK");
      yes.type = "submit";
      yes.name = "confirm";
      yes.value = "1";
      yes.setAttribute("aria-describedby", id);
      const no = make("button", "button", N.cancel || "×");
      no.type = "button";
      no.addEventListener("click", () => {
        box.remove();
        delete form.dataset.chosen;
        button.classList.remove("is-chosen");
        button.focus();
      });
      row.append(yes, no);
      box.append(row);
      form.querySelector("fieldset").append(box);
      yes.focus({ preventScroll: true });
      box.scrollIntoView({ block: "nearest" });
    }

    function castBallot(form, submitter) {
      if (!submitter) return;
      if (submitter.name === "choice") { askConfirm(form, submitter); return; }
      if (submitter.name !== "confirm" || !form.dataset.chosen) return;
      const choice = form.dataset.chosen;
      const payload = { poll: pollOf(form), choice,
        client_ballot_id: form.elements.client_ballot_id.value };
      if (form.elements.for_member) payload.for_member = form.elements.for_member.value;
      const reason = form.elements.reason ? form.elements.reason.value.trim() : "";
      if (reason) payload.reason = reason;
      ctx.send("ballot.cast", payload, form.querySelector("fieldset"), (ack) => {
        form.elements.client_ballot_id.value = ctx.newClientId(); // a new ballot from now on
        if (!ack.ok || !ack.ballot) return;
        const ballot = ack.ballot;
        (cast[ballot.poll] = cast[ballot.poll] || {})[ballot.cast_for] = ballot.choice;
        (chosen[ballot.poll] = chosen[ballot.poll] || {})[ballot.cast_for] = choice;
        renderMine(true);
        ctx.root.dispatchEvent(new CustomEvent("consiglio:voted"));
        const done = ctx.root.querySelector('[data-target="' + CSS.escape(ballot.cast_for) + '"] .vote-done');
        if (done) { done.focus(); ctx.announce(done.textContent); }
      });
    }

    function prepare(form, submitter) {
      const f = form.elements;
      const payload = { item: parseInt(form.querySelector('[name="item"]').value, 10), kind: f.kind.value, rule: f.rule.value,
        question: f.question.value, allow_change: f.allow_change.checked };
      if (f.amendment.value) payload.amendment = parseInt(f.amendment.value, 10);
      ctx.send("poll.prepare", payload, submitter, (ack) => {
        if (!ack.ok) return;
        f.question.value = "";
        ctx.announce(V.prepared);
      });
    }

    ctx.root.addEventListener("submit", (event) => {
      const form = event.target;
      const submitter = event.submitter || null;
      if (form.dataset.ballot !== undefined) {
        event.preventDefault();
        castBallot(form, submitter);
        return;
      }
      const action = form.dataset.pollAction;
      if (!action) return;
      event.preventDefault();
      if (action === "poll.prepare") { prepare(form, submitter); return; }
      const payload = { poll: pollOf(form) };
      if (action === "decision.record" && form.elements.text && form.elements.text.value.trim()) {
        payload.text = form.elements.text.value;
      }
      ctx.send(action, payload, submitter, (ack) => {
        if (ack.ok && action === "poll.declare_conflict") {
          conflicts[payload.poll] = true;
          renderMine(true);
        }
      });
    });

    return {
      joined(ack) { mine = ack.mine || null; mineKey = ""; },
      render(snapshot) {
        state = snapshot;
        const p = state.poll;
        panels.forEach((panel) => { if (panel.dataset.hideEmpty !== undefined) panel.hidden = !p; });
        all("no-poll").forEach((node) => { node.hidden = Boolean(p); });
        all("poll").forEach((node) => node.replaceChildren(...focus(p)));
        all("poll-head").forEach((node) => node.replaceChildren(...focusHead(p)));
        all("poll-notes").forEach((node) => node.replaceChildren(...focusNotes(p)));
        all("poll-numbers").forEach((node) => node.replaceChildren(...numbers(p)));
        announceChange(p);
        renderMine(false);
        renderList();
        followCurrentItem();
      },
    };
  }

  (window.consiglioLive = window.consiglioLive || []).push(plugin);
})();
