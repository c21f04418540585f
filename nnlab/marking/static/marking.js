// The marking page's only script (the page's policy runs no other): one written question across the
// class, answer by answer. Answers arrive as HTML already cleaned by the course's sanitizer; every
// other text is set as text.
(function () {
  "use strict";
  const body = document.body;
  const api = body.dataset.api;
  const mode = body.dataset.mode;
  const second = mode === "second";
  const $ = (id) => document.getElementById(id);
  let state = null;
  let current = 0;          // index into state.answers
  let saving = Promise.resolve();
  let pendingConflict = null;
  let busy = 0;             // queued actions not finished yet (body's data-busy: tests and the bench wait on it)

  function queue(action) {
    busy += 1;
    body.dataset.busy = String(busy);
    saving = saving.then(action).catch((error) => status("Failed: " + error)).finally(() => {
      busy -= 1;
      body.dataset.busy = String(busy);
    });
    return saving;
  }
  body.dataset.busy = "0";

  const marker = $("marker");
  marker.value = localStorage.getItem("nnlab-marker") || "";
  marker.addEventListener("change", () => localStorage.setItem("nnlab-marker", marker.value.trim()));

  function headers() {
    return {"Content-Type": "application/json", "X-XSRFToken": body.dataset.xsrf,
            "X-Nnlab-Marker": marker.value.trim()};
  }

  async function call(url, method, data) {
    const response = await fetch(url, {method: method, headers: headers(), credentials: "same-origin",
                                       body: data === undefined ? undefined : JSON.stringify(data)});
    let json = {};
    try { json = await response.json(); } catch (e) { json = {}; }
    return {status: response.status, json: json};
  }

  function status(text) { $("status").textContent = text; }

  function answer() { return state.answers[current]; }

  function isMarked(a) {
    return Boolean(a.mark) || (!second && a.gradebook && a.gradebook.score !== null && a.gradebook.score !== undefined);
  }

  function visible(a) {
    const f = $("filter").value;
    if (f === "unmarked") return !isMarked(a);
    if (f === "flagged") return a.flagged;
    if (f.startsWith("item:")) return Boolean(a.mark) && a.mark.items.includes(f.slice(5));
    return true;
  }

  function fmt(x) { return (Math.round(x * 1000) / 1000).toString(); }

  function itemsOf(a) { return a.mark ? a.mark.items.slice() : []; }

  async function load(keepScript) {
    const r = await call(api + (second ? "?mode=second" : ""), "GET");
    if (r.status !== 200) { status("Could not load: " + (r.json.message || r.status)); return; }
    if (state && answer()) keepScript = answer().script;   // the answer shown when the reply came
    state = r.json;
    if (!marker.value) marker.value = state.marker;
    const found = state.answers.findIndex((a) => a.script === keepScript);
    current = found >= 0 ? found : 0;
    renderStatic();
    render();
  }

  function renderStatic() {
    $("prompt").innerHTML = state.question.prompt_html;        // sanitized by the server
    $("model-answer").innerHTML = state.question.model_html;   // sanitized by the server
    $("reveal").checked = state.revealed;
    const filter = $("filter");
    const chosen = filter.value;
    for (const option of Array.from(filter.options)) { if (option.value.startsWith("item:")) option.remove(); }
    for (const item of state.rubric) {
      const option = document.createElement("option");
      option.value = "item:" + item.id;
      option.textContent = "with item " + (item.key || item.id) + ": " + item.comment.slice(0, 40);
      filter.appendChild(option);
    }
    filter.value = Array.from(filter.options).some((o) => o.value === chosen) ? chosen : "all";
    const info = $("sample-info");
    if (info && state.sample) {
      info.textContent = state.sample.drawn
        ? "Sample drawn by " + state.sample.drawn.by + ": " + state.sample.scripts.map((n) => "Script " + n).join(", ")
          + " (" + state.sample.second_marked + " second-marked)"
        : "No sample drawn yet.";
    }
  }

  function render() {
    const list = $("script-list");
    list.textContent = "";
    state.answers.forEach((a, index) => {
      if (!visible(a) && index !== current) return;
      const li = document.createElement("li");
      li.textContent = a.label + (a.name ? " " + a.name : "");
      li.dataset.script = a.script;
      li.className = [index === current ? "current" : "", isMarked(a) ? "marked" : "", a.flagged ? "flagged" : ""].join(" ");
      li.addEventListener("click", () => { current = index; render(); });
      list.appendChild(li);
    });
    const done = state.answers.filter(isMarked).length;
    state.progress.marked = done;
    $("progress").textContent = done + " of " + state.answers.length + " marked";
    const a = answer();
    if (!a) { $("script-label").textContent = "No answers"; $("answer").textContent = ""; return; }
    $("script-label").textContent = a.label;
    $("student-name").textContent = a.name || "";
    $("flag-mark").textContent = a.flagged ? "(flagged)" : "";
    if (a.missing) $("answer").textContent = "(no answer: the autograded notebook has no such cell)";
    else $("answer").innerHTML = a.html;                        // sanitized by the server
    const applied = itemsOf(a);
    const rubric = $("rubric");
    rubric.textContent = "";
    for (const item of state.rubric) {
      const li = document.createElement("li");
      li.dataset.item = item.id;
      li.className = applied.includes(item.id) ? "applied" : "";
      const key = document.createElement("kbd"); key.textContent = item.key || "-";
      const points = document.createElement("span"); points.className = "points";
      points.textContent = " " + (item.points >= 0 ? "+" : "") + fmt(item.points) + " ";
      const comment = document.createElement("span"); comment.className = "comment"; comment.textContent = item.comment;
      const edit = document.createElement("button"); edit.className = "edit"; edit.textContent = "edit";
      edit.addEventListener("click", () => editItem(item, li));
      li.append(key, points, comment, " ", edit);
      li.addEventListener("dblclick", () => toggle(item.id));
      rubric.appendChild(li);
    }
    $("adjustment").value = a.mark ? a.mark.adjustment : 0;
    $("comment").value = a.mark ? a.mark.comment : "";
    let score = "-";
    let by = "";
    if (a.mark) { score = fmt(a.mark.score); by = "by " + a.mark.by; }
    else if (!second && a.gradebook && a.gradebook.score !== null) { score = fmt(a.gradebook.score); by = "(in the gradebook)"; }
    $("score").textContent = score;
    $("marked-by").textContent = by;
  }

  function editItem(item, li) {
    li.textContent = "";
    const form = document.createElement("form");
    const points = document.createElement("input"); points.type = "number"; points.step = "0.25";
    points.value = item.points; points.className = "edit-points"; points.size = 4;
    const comment = document.createElement("input"); comment.value = item.comment; comment.className = "edit-comment";
    comment.size = 50;
    const save = document.createElement("button"); save.type = "submit"; save.textContent = "save";
    form.append(points, " ", comment, " ", save);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      queue(async () => {
        const r = await call(api + "/items/" + encodeURIComponent(item.id), "POST",
                             {points: points.value, comment: comment.value});
        if (r.status !== 200) { status("Not saved: " + (r.json.message || r.status)); return; }
        await load(answer().script);
        status("Item changed: " + r.json.rescored.length + " answers re-scored"
               + (r.json.conflicts.length ? ", " + r.json.conflicts.length + " changed elsewhere kept their mark" : ""));
      });
    });
    li.appendChild(form);
    points.focus();
  }

  // `change(answer)` gives {items, adjustment, comment}: worked out when the save's turn comes, so keys
  // pressed in a row build on each other's marks
  function save(change, base) {
    const script = answer().script;
    return queue(async () => {
      const target = state.answers.find((x) => x.script === script);
      const wanted = change(target);
      const data = {script: script, items: wanted.items, adjustment: wanted.adjustment, comment: wanted.comment,
                    base: base || {version: target.version, gradebook: target.gradebook}};
      const r = await call(api + "/" + (second ? "second" : "mark"), "POST", data);
      if (r.status === 409) {
        showConflict(target, r.json, data);
        return;
      }
      if (r.status !== 200) { status("Not saved: " + (r.json.message || r.status)); return; }
      target.mark = r.json.mark;
      target.version = r.json.version;
      if (!second) target.gradebook = r.json.gradebook;
      status("Saved " + target.label + ": " + fmt(r.json.mark.score));
      render();
    });
  }

  function showConflict(target, reply, mine) {
    const theirs = reply.current;
    target.mark = theirs.mark;
    target.version = theirs.version;
    if (!second) target.gradebook = theirs.gradebook;
    pendingConflict = {script: target.script, mine: mine, base: {version: theirs.version, gradebook: theirs.gradebook}};
    $("conflict").hidden = false;
    let text = reply.conflict;
    const score = theirs.mark ? theirs.mark.score : (theirs.gradebook ? theirs.gradebook.score : null);
    if (score !== null && score !== undefined) text += " (their score: " + fmt(score) + ")";
    $("conflict-text").textContent = target.label + ": " + text;
    const names = mine.items.map((id) => { const it = state.rubric.find((x) => x.id === id); return it ? it.key || it.id : id; });
    $("conflict-yours").textContent = "items " + (names.join(", ") || "none") + ", adjustment " + mine.adjustment
      + (mine.comment ? ", comment: " + mine.comment : "");
    render();
  }

  function resolveConflict(replace) {
    if (!pendingConflict) return;
    const c = pendingConflict;
    pendingConflict = null;
    $("conflict").hidden = true;
    if (replace) {
      current = state.answers.findIndex((a) => a.script === c.script);
      save(() => c.mine, c.base);
    } else {
      status("Kept the other mark");
    }
  }

  function fields(a) {
    return {adjustment: a.mark ? a.mark.adjustment : 0, comment: a.mark ? a.mark.comment : ""};
  }

  function toggle(itemId) {
    if (!answer() || pendingConflict) return;
    save((a) => {
      const items = itemsOf(a);
      const at = items.indexOf(itemId);
      if (at >= 0) items.splice(at, 1); else items.push(itemId);
      return Object.assign(fields(a), {items: items});
    });
  }

  function saveAsIs() {
    if (!answer() || pendingConflict) return;
    save((a) => Object.assign(fields(a), {items: itemsOf(a)}));
  }

  function saveFields() {     // the adjustment or comment typed for the answer shown
    if (!answer() || pendingConflict) return;
    const adjustment = Number($("adjustment").value) || 0;
    const comment = $("comment").value;
    save((a) => ({items: itemsOf(a), adjustment: adjustment, comment: comment}));
  }

  function move(step, onlyUnmarked) {
    const n = state.answers.length;
    for (let k = 1; k <= n; k++) {
      const index = (current + step * k + n * k) % n;
      const a = state.answers[index];
      if (onlyUnmarked ? !isMarked(a) : visible(a)) { current = index; render(); return true; }
    }
    status(onlyUnmarked ? "Every answer is marked" : "No other answer");
    return false;
  }

  $("filter").addEventListener("change", () => { if (!visible(answer())) move(1, false); render(); });
  $("reveal").addEventListener("change", (event) => queue(async () => {
    const r = await call(body.dataset.revealApi, "POST", {on: event.target.checked});
    if (r.status !== 200) status("Not changed: " + (r.json.message || r.status));
    await load(answer() && answer().script);
  }));
  for (const id of ["adjustment", "comment"]) {
    $(id).addEventListener("keydown", (event) => {
      if (event.key === "Escape" || (event.key === "Enter" && id === "adjustment")
          || (event.key === "Enter" && !event.shiftKey && id === "comment")) {
        event.preventDefault();
        event.stopPropagation();
        $(id).blur();
      }
    });
    $(id).addEventListener("change", saveFields);
  }
  $("conflict-keep").addEventListener("click", () => resolveConflict(false));
  $("conflict-replace").addEventListener("click", () => resolveConflict(true));
  $("new-item").addEventListener("submit", (event) => {
    event.preventDefault();
    const points = $("new-points").value;
    const comment = $("new-comment").value;
    queue(async () => {
      const r = await call(api + "/items", "POST", {points: points, comment: comment});
      if (r.status !== 200) { status("Not added: " + (r.json.message || r.status)); return; }
      $("new-comment").value = "";
      $("new-comment").blur();
      await load(answer().script);
      const a = answer();
      const items = itemsOf(a).concat([r.json.id]);
      save(() => Object.assign(fields(a), {items: items}));
    });
  });

  const drawButton = $("draw-sample");
  if (drawButton) {
    drawButton.addEventListener("click", () => queue(async () => {
      const r = await call(api + "/sample", "POST",
                           {percent: $("sample-percent").value, minimum: $("sample-minimum").value});
      if (r.status !== 200) { status("No sample: " + (r.json.message || r.status)); return; }
      await load(answer() && answer().script);
    }));
    $("show-agreement").addEventListener("click", () => queue(showAgreement));
  }

  async function showAgreement() {
    const r = await call(api + "/agreement?margin=" + encodeURIComponent($("margin").value), "GET");
    const out = $("agreement");
    out.textContent = "";
    if (r.status !== 200) { out.textContent = "No report: " + (r.json.message || r.status); return; }
    const g = r.json;
    const lines = [
      ["compared", g.compared + " answers (" + g.pending + " not yet second-marked)"],
      ["mean difference", (g.mean_difference >= 0 ? "+" : "") + fmt(g.mean_difference)],
      ["mean absolute difference", fmt(g.mean_absolute_difference)],
      ["largest difference", fmt(g.largest_difference)],
    ];
    const dl = document.createElement("dl");
    dl.id = "agreement-figures";
    for (const [k, v] of lines) {
      const dt = document.createElement("dt"); dt.textContent = k;
      const dd = document.createElement("dd"); dd.textContent = v; dd.dataset.figure = k.replace(/ /g, "-");
      dl.append(dt, dd);
    }
    out.appendChild(dl);
    const apart = document.createElement("ul");
    apart.id = "apart";
    for (const a of g.apart) {
      const li = document.createElement("li");
      li.textContent = a.script + ": first " + fmt(a.first) + ", second " + fmt(a.second) + " ";
      const take = document.createElement("button");
      take.textContent = "take the second mark";
      take.className = "take";
      take.addEventListener("click", () => queue(async () => {
        const number = Number(a.script.replace(/^Script /, ""));
        const t = await call(api + "/take", "POST", {script: number});
        await load(answer() && answer().script);
        await showAgreement();
        status(t.status === 200 ? "Took the second mark of " + a.script : "Not taken: " + (t.json.message || t.status));
      }));
      li.appendChild(take);
      apart.appendChild(li);
    }
    const heading = document.createElement("p");
    heading.textContent = "More than " + fmt(g.margin) + " apart: " + (g.apart.length ? "" : "none");
    out.append(heading, apart);
    const items = document.createElement("ul");
    items.id = "item-disagreements";
    for (const it of g.items) {
      const li = document.createElement("li");
      li.textContent = "item " + (it.key || it.item) + " (" + it.comment.slice(0, 60) + "): first marker only "
        + (it.first_only.join(", ") || "-") + "; second marker only " + (it.second_only.join(", ") || "-");
      items.appendChild(li);
    }
    out.appendChild(items);
  }

  document.addEventListener("keydown", (event) => {
    if (!state || event.ctrlKey || event.metaKey || event.altKey) return;
    const tag = (event.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select") return;
    const key = event.key;
    if (pendingConflict && (key === "o" || key === "t")) { event.preventDefault(); resolveConflict(key === "o"); return; }
    const item = state.rubric.find((it) => it.key && it.key === key);
    if (item) { event.preventDefault(); toggle(item.id); return; }
    if (key === "0") { event.preventDefault(); saveAsIs(); }
    else if (key === "Enter") { event.preventDefault(); queue(() => move(1, true)); }
    else if (key === "n" || key === "j" || key === "ArrowDown") { event.preventDefault(); queue(() => move(1, false)); }
    else if (key === "p" || key === "k" || key === "ArrowUp") { event.preventDefault(); queue(() => move(-1, false)); }
    else if (key === "f") {
      event.preventDefault();
      const a = answer();
      queue(async () => {
        const r = await call(api + "/flag", "POST", {script: a.script, on: !a.flagged});
        if (r.status === 200) { a.flagged = !a.flagged; render(); }
      });
    }
    else if (key === "a") { event.preventDefault(); $("adjustment").focus(); $("adjustment").select(); }
    else if (key === "c") { event.preventDefault(); $("comment").focus(); }
    else if (key === "i") { event.preventDefault(); $("new-comment").focus(); }
  });

  queue(() => load(null));
})();
