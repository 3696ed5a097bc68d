// Live discussion: joins the proposal's room and, on "discussion.changed", fetches the comment
// as the server renders it (the same Jinja partial as the page) and puts it in place. No HTML
// is built here, and a hidden comment's text never travels: messages carry only ids.
// Without this script the page works the same, by reloading. Also: reply and "comment on
// this paragraph" fill the form in place instead of opening the form's own page.
(function () {
  "use strict";

  const COALESCE_MS = 300;

  function parse(html) {
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content;
  }

  function get(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } }).then(
      (response) => (response.ok ? response.text() : Promise.reject(response.status))
    );
  }

  function Discussion(section, socket, announce) {
    const proposal = section.dataset.proposal;
    const base = section.dataset.base;
    const maxLevel = parseInt(section.dataset.maxLevel, 10) || 2;
    const thread = section.dataset.thread ? "1" : "0";
    const seen = new Map(); // comment id (or "proposal") -> last record seq applied
    let pending = new Map();
    let timer = null;
    let lastFlush = 0;

    function fragmentUrl(id, level, compact) {
      const query = compact ? "view=compact" : `level=${level}&max=${maxLevel}&thread=${thread}`;
      return `${base}/${id}/fragment?${query}`;
    }

    function item(id) {
      return section.querySelector(`[data-comment-item="${id}"]`);
    }

    function highlight(article) {
      article.classList.add("is-new");
      window.setTimeout(() => article.classList.remove("is-new"), 4000);
    }

    function refreshParagraph(index) {
      const tools = document.querySelector(`[data-paragraph-tools="${index}"]`);
      if (!tools) return Promise.resolve();
      const url = `${base}/paragraphs/${index}?version=${section.dataset.version}`;
      return get(url).then((html) => {
        const fresh = parse(html).querySelector("[data-paragraph-tools]");
        if (!fresh) return;
        const wasOpen = tools.querySelector("details[open]");
        const details = fresh.querySelector("details");
        if (wasOpen && details) details.open = true;
        tools.replaceWith(fresh);
      });
    }

    function paragraphOf(article) {
      if (!article || article.dataset.paragraph === "") return null;
      if (article.dataset.version !== section.dataset.version) return null;
      return article.dataset.paragraph;
    }

    function showNews() {
      const news = section.querySelector("[data-discussion-news]");
      if (news) news.hidden = false;
    }

    function insertRoot(id) {
      const list = section.querySelector("[data-comment-list]");
      const onFirstPage = section.dataset.order === "newest" && section.dataset.page === "1";
      const onLastPage = section.dataset.order === "oldest" && section.dataset.lastPage === "true";
      if (thread === "1") return Promise.resolve(null);
      if (!list || section.dataset.filtered === "true" || !(onFirstPage || onLastPage)) {
        showNews();
        return get(fragmentUrl(id, 0, true)).then((html) => parse(html).querySelector("article"));
      }
      return get(fragmentUrl(id, 0)).then((html) => {
        const fresh = parse(html).querySelector("[data-comment-item]");
        if (!fresh || item(id)) return null;
        if (onFirstPage) list.prepend(fresh);
        else list.append(fresh);
        const empty = section.querySelector("[data-discussion-empty]");
        if (empty) empty.remove();
        const article = fresh.querySelector("article");
        highlight(article);
        return article;
      });
    }

    function insertReply(id, parentId) {
      const parent = item(parentId);
      if (!parent) return get(fragmentUrl(id, 0, true)).then((html) => parse(html).querySelector("article"));
      const level = parseInt(parent.dataset.level, 10) || 0;
      if (level < maxLevel) {
        return get(fragmentUrl(id, level + 1)).then((html) => {
          const fresh = parse(html).querySelector("[data-comment-item]");
          const replies = parent.querySelector(":scope > [data-replies-of]");
          if (!fresh || !replies || item(id)) return null;
          replies.append(fresh);
          const article = fresh.querySelector("article");
          highlight(article);
          return article;
        });
      }
      // The parent sits at the deepest level shown: refresh its "Show N replies" link.
      return Promise.all([get(fragmentUrl(parentId, level)), get(fragmentUrl(id, 0, true))]).then(
        ([parentHtml, html]) => {
          const fold = parse(parentHtml).querySelector("[data-fold-of]");
          const old = parent.querySelector(":scope > [data-fold-of]");
          if (fold && old) old.replaceWith(fold);
          else if (fold) parent.append(fold);
          return parse(html).querySelector("article");
        }
      );
    }

    function posted(message) {
      const inserted = message.parent
        ? insertReply(message.comment, message.parent)
        : insertRoot(message.comment);
      return inserted.then((article) => {
        if (!article) return;
        const name = article.dataset.authorName;
        if (name) announce(section.dataset.announceNew.replace("{name}", name));
        const index = paragraphOf(article);
        if (index !== null) return refreshParagraph(index);
      });
    }

    function changed(message) {
      const id = message.comment;
      const work = [];
      const old = section.querySelector(`#c-${id}`);
      if (old) {
        const holder = old.closest("[data-comment-item]");
        const level = holder ? parseInt(holder.dataset.level, 10) || 0 : 0;
        work.push(
          get(fragmentUrl(id, level)).then((html) => {
            const fresh = parse(html).querySelector(`#c-${id}`);
            if (fresh && old.isConnected) old.replaceWith(fresh);
          })
        );
      }
      const indexes = new Set();
      const index = paragraphOf(old);
      if (index !== null) indexes.add(index);
      document.querySelectorAll(`[data-comment-compact="${id}"]`).forEach((copy) => {
        const tools = copy.closest("[data-paragraph-tools]");
        if (tools) indexes.add(tools.dataset.paragraphTools);
      });
      indexes.forEach((i) => work.push(refreshParagraph(i)));
      return Promise.all(work);
    }

    function refreshTally() {
      const tally = section.querySelector("[data-tally]");
      if (!tally) return Promise.resolve();
      return get(`${base}/tally?version=${section.dataset.version}`).then((html) => {
        const fresh = parse(html).querySelector("[data-tally]");
        if (fresh) tally.replaceWith(fresh);
      });
    }

    function refreshCounts() {
      return fetch(`${base}/counts`, { credentials: "same-origin" })
        .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
        .then((counts) => {
          document.querySelectorAll("[data-comment-count]").forEach((node) => {
            node.textContent = counts.comments === 1
              ? node.dataset.one
              : node.dataset.many.replace("{n}", String(counts.comments));
          });
          document.querySelectorAll("[data-support-count]").forEach((node) => {
            node.textContent = String(counts.supports);
          });
        });
    }

    function flush() {
      timer = null;
      lastFlush = Date.now();
      const batch = Array.from(pending.values()).sort((a, b) => a.version - b.version);
      pending = new Map();
      const work = batch
        .filter((message) => message.comment)
        .map((message) => (message.kind === "comment.posted" ? posted(message) : changed(message)));
      if (batch.some((message) => message.comment)) work.push(refreshTally());
      work.push(refreshCounts());
      Promise.all(work.map((p) => p.catch(() => null)));
    }

    // Many changes in a burst: one round of fetches at most every 300 ms.
    function schedule() {
      if (timer !== null) return;
      const wait = Math.max(0, lastFlush + COALESCE_MS - Date.now());
      timer = window.setTimeout(flush, wait);
    }

    function receive(message) {
      if (!message || String(message.proposal) !== proposal) return;
      if (typeof message.version !== "number") return;
      const key = message.comment ? String(message.comment) : "proposal";
      if ((seen.get(key) || 0) >= message.version) return; // stale or repeated
      seen.set(key, message.version);
      const queued = pending.get(key);
      // a new comment stays "posted" even if it was edited before we fetched it
      if (queued && queued.kind === "comment.posted") message = { ...message, kind: queued.kind, parent: queued.parent };
      pending.set(key, message);
      schedule();
    }

    function join() {
      socket.emit("room.join", { room: `proposal:${proposal}` });
    }

    socket.on("connect", join);
    if (socket.connected) join();
    socket.on("discussion.changed", receive);
  }

  // --- the form in place: reply, comment on a paragraph -----------------------------------

  function enhanceForm() {
    const form = document.querySelector("[data-comment-form]");
    if (!form) return;
    const context = form.querySelector("[data-comment-form-context]");
    const text = form.querySelector("[data-context-text]");
    const parent = form.querySelector("#comment-parent");
    const paragraph = form.querySelector("#comment-paragraph");
    const body = form.querySelector("#comment-body");
    const quote = form.querySelector("[data-context-quote]");
    const home = document.createComment("comment-form");
    form.before(home);

    function unquote() {
      if (!quote) return;
      quote.replaceChildren();
      quote.hidden = true;
    }

    // the paragraph commented on, as the page shows it (already sanitized), above the form
    function quoteOf(block) {
      const text = block && block.querySelector(".paragraph-text");
      if (!quote || !text) return;
      quote.replaceChildren(...Array.from(text.childNodes, (node) => node.cloneNode(true)));
      quote.hidden = false;
    }

    function clear() {
      parent.value = "";
      paragraph.value = "";
      context.hidden = true;
      unquote();
      if (home.nextSibling !== form) home.after(form);
    }

    function show(label) {
      text.textContent = label;
      context.hidden = false;
      body.focus();
    }

    document.addEventListener("click", (event) => {
      const reply = event.target.closest("[data-reply-to]");
      const anchor = event.target.closest("[data-comment-paragraph]");
      if (reply) {
        const article = reply.closest("article");
        const holder = reply.closest("[data-comment-item]");
        if (!article || !holder) return;
        event.preventDefault();
        paragraph.value = "";
        unquote();
        parent.value = reply.dataset.replyTo;
        article.after(form);
        show(context.dataset.replyLabel.replace("{name}", article.dataset.authorName || ""));
      } else if (anchor) {
        event.preventDefault();
        parent.value = "";
        paragraph.value = anchor.dataset.commentParagraph;
        // the form opens next to the paragraph, quoting it
        const block = anchor.closest("[data-paragraph]");
        if (block) block.after(form);
        else if (home.nextSibling !== form) home.after(form);
        quoteOf(block);
        const number = anchor.dataset.paragraphNumber || String(parseInt(paragraph.value, 10) + 1);
        show(context.dataset.paragraphLabel.replace("{n}", number));
        form.scrollIntoView({ block: "nearest" });
      } else if (event.target.closest("[data-context-clear]")) {
        event.preventDefault();
        clear();
        body.focus();
      }
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    enhanceForm();
    const section = document.querySelector("[data-discussion]");
    const live = window.consiglio;
    if (section && live && live.socket) Discussion(section, live.socket, live.announce);
  });
})();
