// The live session: keeps a meeting page, the chair's console or the public live view in step
// with the server's versioned snapshots (docs/realtime.md), and sends the forms' actions over
// the socket. Without this script every form still posts and every page still reads.
// Parts of a page with their own rendering (the votes: live_polls.js) register a plugin in
// window.consiglioLive: a function of this page's context returning {joined(ack), render(state)}.
(function () {
  "use strict";

  const TONES = { scheduled: "neutral", convened: "info", in_progress: "success",
    suspended: "warning", closed: "neutral" };
  const ACK_TIMEOUT_MS = 10000;

  function make(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function fill(template, values) {
    let text = String(template || "");
    Object.keys(values).forEach((key) => { text = text.split(key).join(String(values[key])); });
    return text;
  }

  function hidden(name, value) {
    const input = make("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    return input;
  }

  function json(text) {
    if (!text) return {};
    try { return JSON.parse(text); } catch (_error) { return {}; }
  }

  function clock(seconds) {
    const whole = Math.max(0, Math.floor(seconds));
    return Math.floor(whole / 60) + ":" + String(whole % 60).padStart(2, "0");
  }

  function newClientId() {
    if (window.crypto && window.crypto.randomUUID) return "j-" + window.crypto.randomUUID();
    return "j-" + Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
  }

  // --- the outbox: actions made without a connection, or left unanswered -----------------------
  // Only events the server applies once however often they arrive are sent again by themselves
  // (docs/realtime.md, Resynchronisation: by their client id, or by their nature); any other
  // is shown as not sent, with a button to try again. Waiting actions, but ballots, are kept in
  // sessionStorage for a while: a reload of this tab sends them once the page is connected.
  const RESENDABLE = new Set(["speakers.request", "ballot.cast", "attendance.check_in",
    "attendance.check_out", "speakers.withdraw", "speakers.give_floor", "speakers.end_floor",
    "speakers.reorder", "agenda.move_to", "proxy.grant", "proxy.revoke", "poll.open",
    "poll.close", "poll.declare_conflict"]);
  const NOT_KEPT = new Set(["ballot.cast"]); // a vote is never written to the browser's storage
  const OUTBOX_KEEP_MS = 6 * 60 * 60 * 1000; // a sitting's length: older ones are dropped
  const DONE_SHOWN_MS = 10000;

  function makeOutbox(root, L, key, send, connected, announce) {
    const entries = [];
    let flushing = null;
    const A = L.outbox || {};
    let box = null;

    function area() {
      if (box) return box;
      box = make("ul", "plain-list live-outbox");
      box.dataset.live = "outbox";
      box.setAttribute("aria-label", A.title || "");
      const error = root.querySelector('[data-live="error"]');
      if (error) error.after(box); else root.prepend(box);
      return box;
    }

    function waits(entry) { return entry.state === "waiting" || entry.state === "again"; }

    function save() {
      if (!key || !window.sessionStorage) return;
      const kept = entries.filter((e) => waits(e) && !NOT_KEPT.has(e.event))
        .map((e) => ({ event: e.event, body: e.body, at: e.at }));
      try {
        if (kept.length) window.sessionStorage.setItem(key, JSON.stringify(kept));
        else window.sessionStorage.removeItem(key);
      } catch (_error) { /* storage full or refused: the page still shows the truth */ }
    }

    function text(entry) {
      const action = (A.actions || {})[entry.event] || A.action;
      const template = A[entry.state] || "";
      let said = fill(template, { ACTION: action, REASON: entry.reason || "" });
      if (waits(entry)) said += " " + (NOT_KEPT.has(entry.event) ? A.not_kept : A.kept);
      return said;
    }

    function render() {
      const list = area();
      list.replaceChildren(...entries.map((entry) => {
        const li = make("li", "live-outbox-" + entry.state, text(entry));
        li.dataset.event = entry.event;
        li.dataset.state = entry.state;
        if (entry.state === "unsent" || entry.state === "unknown") {
          const retry = make("button", "button button-small", A.retry);
          retry.type = "button";
          retry.addEventListener("click", () => { forget(entry); send(entry.event, entry.body, retry, entry.done); });
          li.append(" ", retry);
        }
        return li;
      }));
      list.hidden = !entries.length;
      save();
    }

    function forget(entry) {
      const at = entries.indexOf(entry);
      if (at >= 0) entries.splice(at, 1);
      render();
    }

    function settle(entry, ack) {
      const again = ack.error === "busy" || ack.error === "rate_limited";
      if (again) {
        entry.state = "waiting";
        render();
        window.setTimeout(flush, 1000 * (ack.retry_after || 1));
        return;
      }
      entry.state = ack.ok ? "done" : "refused";
      entry.reason = ack.ok ? "" : ack.message || "";
      render();
      announce(text(entry));
      if (entry.done) entry.done(ack);
      window.setTimeout(() => forget(entry), ack.ok ? DONE_SHOWN_MS : 3 * DONE_SHOWN_MS);
    }

    // Sends the waiting actions one after another (each waits for its answer: the server's
    // limits, docs/realtime.md, Limits), in the order they were made.
    function flush() {
      if (flushing || !connected()) return;
      const entry = entries.find(waits);
      if (!entry) return;
      flushing = entry;
      entry.state = "sending";
      render();
      send(entry.event, entry.body, null, (ack) => {
        flushing = null;
        settle(entry, ack);
        flush();
      }, entry);
    }

    // Called by send() when the action cannot go now (sent: false) or was not answered in
    // time (sent: true). Returns nothing: the outbox says what happens.
    function hold(event, body, done, sent, entry) {
      if (entry) flushing = null;
      const id = event + " " + JSON.stringify(body);
      let found = entry || entries.find((e) => e.id === id && e.state !== "done" && e.state !== "refused");
      if (!found) {
        found = { id, event, body, done, at: Date.now(), state: "waiting" };
        entries.push(found);
      }
      if (RESENDABLE.has(event)) {
        found.state = sent ? "again" : "waiting";
        if (sent && connected()) window.setTimeout(flush, 1000);
      } else {
        found.state = sent ? "unknown" : "unsent";
      }
      render();
      announce(text(found));
    }

    function restore() {
      if (!key || !window.sessionStorage) return;
      let kept = [];
      try { kept = JSON.parse(window.sessionStorage.getItem(key) || "[]"); } catch (_error) { kept = []; }
      kept.filter((e) => e && RESENDABLE.has(e.event) && Date.now() - e.at < OUTBOX_KEEP_MS)
        .forEach((e) => entries.push({ id: e.event + " " + JSON.stringify(e.body), event: e.event,
          body: e.body, done: null, at: e.at, state: "waiting" }));
      if (entries.length) render(); else save();
    }

    return { hold, flush, restore };
  }

  function start(root, socket) {
    const meetingId = parseInt(root.dataset.meeting, 10);
    const mode = root.dataset.mode || "page";
    const me = root.dataset.me || "";
    const L = json(root.dataset.labels);
    const chairRuns = Boolean(root.querySelector("#queue-form"));
    let state = null;
    let version = -1;
    let offset = 0; // local clock minus server clock, in ms

    const all = (name) => Array.from(root.querySelectorAll('[data-live="' + name + '"]'));
    const one = (name) => root.querySelector('[data-live="' + name + '"]');
    const announce = (text) => window.consiglio && window.consiglio.announce(text);

    function showError(message) {
      const box = one("error");
      if (!box) return;
      box.textContent = message;
      box.hidden = !message;
    }

    // A refusal appears next to the control that caused it and is announced (role="alert");
    // with no control on the page, in the page's box on top. An empty message clears it.
    function refuse(control, message) {
      root.querySelectorAll('[data-live="control-error"]').forEach((node) => node.remove());
      const form = control && control.isConnected ? control.closest("form") : null;
      const row = control && control.isConnected && !form ? control.closest("li") : null;
      if (!message || (!form && !row)) { showError(message); return; }
      showError("");
      const box = make("p", "control-error");
      box.dataset.live = "control-error";
      box.setAttribute("role", "alert");
      if (form) form.after(box); else row.append(box);
      box.textContent = message;
    }

    function status(message) {
      all("connection").forEach((node) => { node.textContent = message; node.hidden = !message; });
    }

    function badge(text, tone) { return make("span", "badge badge-" + (tone || "neutral"), text); }

    const outbox = makeOutbox(root, L, me ? "consiglio.outbox:" + meetingId + ":" + me : "",
      (event, payload, control, done, entry) => send(event, payload, control, done, entry),
      () => socket.connected, announce);
    const context = { root, meetingId, mode, me, make, fill, json, hidden, badge, announce, showError,
      newClientId, send: (event, payload, control, done) => send(event, payload, control, done) };
    const plugins = (window.consiglioLive || []).map((plugin) => plugin(context)).filter(Boolean);

    // --- rendering, always from the latest snapshot ---------------------------------------

    function conditions() {
      const present = state.attendance.present.some((p) => p.id === me);
      const delegated = state.proxies.some((p) => p.from.id === me);
      const s = state.meeting.state;
      return { present, absent: !present, delegated, undelegated: !delegated,
        live: s === "in_progress" || s === "suspended",
        open: s === "convened" || s === "in_progress" || s === "suspended" };
    }

    function renderToggles() {
      const now = conditions();
      root.querySelectorAll("[data-when]").forEach((node) => {
        node.hidden = !node.dataset.when.split(" ").every((name) => now[name]);
      });
      root.querySelectorAll("[data-states]").forEach((node) => {
        node.hidden = !node.dataset.states.split(" ").includes(state.meeting.state);
      });
    }

    function renderHeader() {
      const s = state.meeting.state;
      all("state").forEach((node) => node.replaceChildren(badge((L.states || {})[s] || s, TONES[s])));
      const item = state.current_item;
      all("current-item").forEach((node) => {
        if (!item) { node.textContent = L.no_item; return; }
        node.replaceChildren(make("strong", "", item.number + "."), document.createTextNode(" " + item.title));
      });
      root.querySelectorAll("[data-item]").forEach((li) => {
        const current = item !== null && String(item.id) === li.dataset.item;
        if (current) li.setAttribute("aria-current", "step"); else li.removeAttribute("aria-current");
        li.querySelectorAll('[data-live="item-current"]').forEach((n) => { n.hidden = !current; });
        li.querySelectorAll('[data-live="item-move"]').forEach((n) => { n.hidden = current; });
      });
    }

    function renderSpeaker() {
      const current = state.speakers.current;
      all("speaker").forEach((node) => {
        if (!current) { node.textContent = L.nobody; return; }
        node.replaceChildren(make("strong", "", current.user.name), document.createTextNode(" "),
          badge((L.kinds || {})[current.kind] || current.kind));
      });
      const end = one("end-form");
      if (end) {
        end.hidden = !current;
        if (current) {
          end.dataset.payload = JSON.stringify({ request: current.request });
          end.action = end.action.replace(/\/speakers\/\d+\/end$/, "/speakers/" + current.request + "/end");
        }
      }
      tick();
    }

    function tick() {
      const current = state && state.speakers.current;
      all("timer").forEach((node) => {
        if (!current || !current.started_at) { node.textContent = ""; node.classList.remove("is-over"); return; }
        const elapsed = (Date.now() - offset - Date.parse(current.started_at)) / 1000;
        const left = current.limit_s - elapsed;
        node.textContent = left >= 0 ? fill(L.left, { TIME: clock(left) }) : fill(L.over, { TIME: clock(-left) });
        node.classList.toggle("is-over", left < 0);
      });
    }

    function actionButton(label, aria, event, payload, style) {
      const button = make("button", "button button-small " + (style || ""), label);
      button.type = "button";
      if (aria) button.setAttribute("aria-label", aria);
      button.addEventListener("click", () => send(event, payload, button));
      return button;
    }

    function queueEntry(entry, index, entries) {
      const li = make("li");
      li.dataset.request = String(entry.request);
      li.append(make("span", "live-queue-name", entry.user.name), document.createTextNode(" "),
        badge((L.kinds || {})[entry.kind] || entry.kind, entry.kind === "point_of_order" ? "warning" : "neutral"));
      const name = { NAME: entry.user.name };
      if (mode === "console" && chairRuns) {
        const row = make("span", "button-row live-queue-actions");
        row.append(actionButton(L.give_floor, fill(L.floor_named, name), "speakers.give_floor",
          { request: entry.request }, "button-primary"));
        const up = actionButton("↑", fill(L.up_named, name), "speakers.reorder", { request: entry.request, position: index });
        const down = actionButton("↓", fill(L.down_named, name), "speakers.reorder", { request: entry.request, position: index + 2 });
        up.disabled = index === 0;
        down.disabled = index === entries.length - 1;
        row.append(up, down, actionButton("×", fill(L.remove_named, name), "speakers.withdraw",
          { request: entry.request }, "button-danger"));
        li.append(document.createTextNode(" "), row);
      } else if (mode === "page" && me && entry.user.id === me) {
        li.append(document.createTextNode(" "), actionButton(L.withdraw, "", "speakers.withdraw", { request: entry.request }));
      }
      return li;
    }

    function renderLists() {
      const entries = state.speakers.queue;
      all("queue").forEach((list) => {
        list.replaceChildren(...(entries.length ? entries.map(queueEntry) : [make("li", "empty", L.empty_queue)]));
      });
      const a = state.attendance;
      all("quorum").forEach((node) => {
        node.textContent = fill(a.quorum ? L.quorum_yes : L.quorum_no,
          { COUNT: a.count, MEMBERS: a.members, NEEDED: a.quorum_needed });
        node.classList.toggle("is-quorum", a.quorum);
        node.classList.toggle("no-quorum", !a.quorum);
      });
      const p = state.presence || { connected: 0, members_connected: [] };
      all("presence").forEach((node) => {
        node.textContent = fill(L.presence, { N: p.connected, MEMBERS: p.members_connected.length });
      });
      all("present").forEach((list) => {
        list.replaceChildren(...(a.present.length ? a.present.map((x) => make("li", "", x.name))
          : [make("li", "empty", L.nobody_present)]));
      });
      all("proxies").forEach((list) => {
        list.replaceChildren(...(state.proxies.length
          ? state.proxies.map((x) => make("li", "", fill(L.proxy, { GIVER: x.from.name, HOLDER: x.to.name })))
          : [make("li", "empty", L.no_proxies)]));
      });
      const here = new Set(a.present.map((x) => x.id));
      root.querySelectorAll("[data-member]").forEach((li) => {
        const present = here.has(li.dataset.member);
        li.querySelectorAll('[data-live="roll-present"], [data-live="roll-out"]').forEach((n) => { n.hidden = !present; });
        li.querySelectorAll('[data-live="roll-in"]').forEach((n) => { n.hidden = present; });
      });
      all("proxy-choices").forEach((select) => {
        const chosen = select.value;
        const options = [make("option", "", L.choose)];
        options[0].value = "";
        a.present.filter((x) => x.id !== me).forEach((x) => {
          const option = make("option", "", x.name);
          option.value = x.id;
          option.selected = x.id === chosen;
          options.push(option);
        });
        select.replaceChildren(...options);
      });
    }

    function apply(snapshot) {
      // The resynchronisation rule: never go back to an older version.
      if (!snapshot || typeof snapshot.version !== "number" || snapshot.version < version) return;
      version = snapshot.version;
      state = snapshot;
      offset = Date.now() - Date.parse(snapshot.server_time);
      renderHeader();
      renderSpeaker();
      renderLists();
      renderToggles();
      plugins.forEach((plugin) => plugin.render && plugin.render(state));
    }

    // --- actions ----------------------------------------------------------------------------

    // done(ack) follows an answer, ok or refused; never a timeout (the action may still arrive:
    // the outbox sends it again as it was, or offers to, docs/realtime.md). `entry`: the
    // outbox's own entry, when it is the outbox sending.
    function send(event, payload, control, done, entry) {
      const body = Object.assign({ meeting: meetingId }, payload);
      const minutes = root.querySelector("#minutes");
      if (event === "speakers.give_floor" && minutes && !entry) body.limit_s = parseInt(minutes.value, 10) * 60;
      if (!socket.connected) { outbox.hold(event, body, done, false, entry); return; }
      if (control) control.disabled = true;
      socket.timeout(ACK_TIMEOUT_MS).emit(event, body, (error, ack) => {
        if (control) control.disabled = false;
        if (error) { showError(L.no_answer); outbox.hold(event, body, done, true, entry); return; }
        if (!ack || !ack.ok) {
          refuse(control, (ack && ack.message) || L.no_answer);
          if (done) done(ack || {});
          return;
        }
        refuse(control, "");
        announce(L.done);
        if (event === "speakers.request") {
          root.querySelectorAll("[data-client-id]").forEach((input) => { input.value = newClientId(); });
        }
        if (done) done(ack);
      });
    }

    root.addEventListener("submit", (domEvent) => {
      const form = domEvent.target;
      const submitter = domEvent.submitter || null;
      const event = (submitter && submitter.dataset.socket) || form.dataset.socket;
      if (!event) return;
      domEvent.preventDefault();
      const payload = Object.assign(json(form.dataset.payload), json(submitter && submitter.dataset.payload));
      (form.dataset.fields || "").split(" ").filter(Boolean).forEach((name) => {
        const field = form.elements[name];
        if (field && field.value) payload[name] = field.value;
      });
      send(event, payload, submitter);
    });

    // --- the connection -----------------------------------------------------------------------

    function join() {
      const payload = { meeting: meetingId };
      if (version >= 0) payload.since_version = version;
      socket.timeout(ACK_TIMEOUT_MS).emit("meeting.join", payload, (error, ack) => {
        if (error || !ack || !ack.ok) {
          status(L.reconnecting);
          // no answer in time, or the server busy (docs/realtime.md, Limits): ask again
          const again = error || (ack && (ack.error === "busy" || ack.error === "rate_limited"));
          if (again && socket.connected) window.setTimeout(join, 1000 * ((ack && ack.retry_after) || 1));
          return;
        }
        plugins.forEach((plugin) => plugin.joined && plugin.joined(ack));
        apply(ack.snapshot);
        status("");
        outbox.flush(); // what waited for the connection goes now, after the re-join
      });
    }

    socket.on("meeting.snapshot", (snapshot) => {
      if (snapshot && snapshot.meeting && snapshot.meeting.id === meetingId) apply(snapshot);
    });
    outbox.restore();
    socket.on("connect", join);
    socket.on("disconnect", () => status(L.reconnecting));
    if (socket.connected) join();
    window.setInterval(tick, 1000);
  }

  document.addEventListener("DOMContentLoaded", () => {
    const root = document.querySelector("[data-meeting]");
    const live = window.consiglio;
    if (!root || !live || !live.socket) return;
    start(root, live.socket);
  });
})();
