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

    const context = { root, meetingId, mode, me, make, fill, json, badge, announce, showError,
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
    // send it again as it was, docs/realtime.md).
    function send(event, payload, control, done) {
      const body = Object.assign({ meeting: meetingId }, payload);
      const minutes = root.querySelector("#minutes");
      if (event === "speakers.give_floor" && minutes) body.limit_s = parseInt(minutes.value, 10) * 60;
      if (control) control.disabled = true;
      socket.timeout(ACK_TIMEOUT_MS).emit(event, body, (error, ack) => {
        if (control) control.disabled = false;
        if (error) { showError(L.no_answer); return; }
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
      });
    }

    socket.on("meeting.snapshot", (snapshot) => {
      if (snapshot && snapshot.meeting && snapshot.meeting.id === meetingId) apply(snapshot);
    });
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
