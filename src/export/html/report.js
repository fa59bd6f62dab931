"use strict";
// report.html: sorting and filtering the overview, group sections built when opened,
// and a self-test (#selftest or #selftest:TERM) that writes its findings into the
// page's selftest element for the browser test. Data from the page is set as text, never
// parsed as markup.
(function () {
  var started = Math.round(performance.now()); // the page parsed up to this script
  var errors = [];
  window.addEventListener("error", function (e) {
    errors.push(String(e.message || e));
    var pre = document.getElementById("errors");
    if (!pre) {
      pre = document.createElement("pre");
      pre.id = "errors";
      document.body.insertBefore(pre, document.body.firstChild);
    }
    pre.textContent = "script errors:\n" + errors.join("\n");
  });

  var data = JSON.parse(document.getElementById("data").textContent);
  var table = document.getElementById("table");
  var tbody = table.tBodies[0];
  var rows = Array.prototype.slice.call(tbody.rows);
  var texts = null;
  var search = document.getElementById("search");
  var shown = document.getElementById("shown");

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }

  // Sorting: numbers (data-v, else the text) descending first, text ascending first;
  // empty cells always last.
  function key(row, col, numeric) {
    var cell = row.cells[col];
    var v = cell.hasAttribute("data-v") ? cell.getAttribute("data-v") : cell.textContent;
    if (v === "") return null;
    if (!numeric) return v.toLowerCase();
    var x = parseFloat(v);
    return isNaN(x) ? null : x;
  }
  function sortBy(th) {
    var col = th.cellIndex;
    var numeric = th.getAttribute("data-type") === "num";
    var current = th.getAttribute("aria-sort");
    var dir = current ? (current === "ascending" ? "descending" : "ascending") : (numeric ? "descending" : "ascending");
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) { c.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir);
    var sign = dir === "ascending" ? 1 : -1;
    var keyed = rows.map(function (r, i) { return [key(r, col, numeric), i, r]; });
    keyed.sort(function (a, b) {
      if (a[0] === null || b[0] === null) return (a[0] === null) - (b[0] === null) || a[1] - b[1];
      if (a[0] < b[0]) return -sign;
      if (a[0] > b[0]) return sign;
      return a[1] - b[1];
    });
    rows = keyed.map(function (k) { return k[2]; });
    texts = null;
    var frag = document.createDocumentFragment();
    rows.forEach(function (r) { frag.appendChild(r); });
    tbody.appendChild(frag);
  }
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
    th.addEventListener("click", function () { sortBy(th); });
  });

  function filter() {
    var term = search.value.trim().toLowerCase();
    if (!texts) texts = rows.map(function (r) { return r.textContent.toLowerCase(); });
    var n = 0;
    rows.forEach(function (r, i) {
      var hit = term === "" || texts[i].indexOf(term) >= 0;
      r.hidden = !hit;
      if (hit) n++;
    });
    shown.textContent = n + " of " + rows.length + " groups";
    return n;
  }
  search.addEventListener("input", filter);
  Array.prototype.forEach.call(document.querySelectorAll("button.count"), function (b) {
    b.addEventListener("click", function () {
      search.value = b.getAttribute("data-q");
      filter();
      document.getElementById("overview").scrollIntoView();
    });
  });
  filter();

  // A group's section, from data.groups[i].
  function build(details) {
    var body = details.querySelector(".body");
    if (body.childElementCount > 0) return body;
    var g = data.groups[parseInt(details.id.slice(1), 10)];
    if (g.verdict) {
      var p = el("p");
      p.appendChild(el("b", "Verdict: "));
      p.appendChild(document.createTextNode(g.verdict));
      body.appendChild(p);
      if (g.questions.length) {
        var ul = el("ul", null, "lines");
        g.questions.forEach(function (q) { ul.appendChild(el("li", q)); });
        body.appendChild(ul);
      }
    } else {
      body.appendChild(el("p", "No verdict: the group has neither subtasks nor a task-level row.", "note"));
    }
    if (g.flag) body.appendChild(el("p", "Flagged: " + g.flag + ".", "note"));
    if (g.charts.length) {
      var charts = el("div", null, "charts");
      g.charts.forEach(function (f) {
        var a = el("a");
        a.href = f;
        if (/\.(png|svg)$/.test(f)) {
          var img = el("img", null, "chart");
          img.src = f;
          img.alt = f;
          img.loading = "lazy";
          a.appendChild(img);
        } else {
          a.textContent = f;
        }
        charts.appendChild(a);
      });
      body.appendChild(charts);
    } else {
      body.appendChild(el("p", "Charts: " + g.nocharts + ".", "note"));
    }
    // Values: one row per series, one column per model.
    var t = el("table");
    var head = t.createTHead().insertRow();
    head.appendChild(el("th", "series"));
    g.models.forEach(function (m, j) {
      var th = el("th", m, "num");
      th.appendChild(el("div", g.params[j], "note"));
      head.appendChild(th);
    });
    var tb = t.createTBody();
    g.series.forEach(function (s) {
      var r = tb.insertRow();
      r.appendChild(el("td", s.name + (s.kind === "subtask" ? "" : " (" + s.kind + ")")));
      s.values.forEach(function (v) { r.appendChild(el("td", v, "num")); });
    });
    body.appendChild(el("h4", "Scores by model"));
    var wrap = el("div", null, "scroll");
    wrap.style.maxHeight = "none";
    wrap.appendChild(t);
    body.appendChild(wrap);
    // Emergence scores, fits and forecasts.
    var st = el("table");
    var sh = st.createTHead().insertRow();
    ["series", "kind", "gain", "per step", "emergence score"].forEach(function (h, j) {
      sh.appendChild(el("th", h, j >= 2 && j <= 3 ? "num" : null));
    });
    var sb = st.createTBody();
    g.series.forEach(function (s) {
      var r = sb.insertRow();
      r.appendChild(el("td", s.name + (s.lower ? " (lower is better)" : "")));
      r.appendChild(el("td", s.kind));
      r.appendChild(el("td", s.gain, "num"));
      r.appendChild(el("td", s.step, "num"));
      r.appendChild(el("td", s.score));
    });
    body.appendChild(el("h4", "Emergence scores"));
    body.appendChild(st);
    g.series.forEach(function (s) {
      if (!s.lines.length) return;
      body.appendChild(el("h5", "Fits and forecasts: " + s.name));
      var ul = el("ul", null, "lines");
      s.lines.forEach(function (l) { ul.appendChild(el("li", l)); });
      body.appendChild(ul);
    });
    // --predict-at: what a model of each size asked for is expected to score.
    var predicted = g.series.filter(function (s) { return s.predictions && s.predictions.length; });
    if (predicted.length) {
      body.appendChild(el("h4", "Predicted scores (--predict-at)"));
      if (data.predictions) body.appendChild(el("p", data.predictions + ".", "note"));
      var pt = el("table", null, "predictions");
      var ph = pt.createTHead().insertRow();
      ["series", "at", "predicted", "interval", "method", "decades beyond the largest model"].forEach(function (h, j) {
        ph.appendChild(el("th", h, j === 2 || j === 5 ? "num" : null));
      });
      var pb = pt.createTBody();
      predicted.forEach(function (s) {
        s.predictions.forEach(function (p) {
          var r = pb.insertRow();
          r.appendChild(el("td", s.name + (s.kind === "subtask" ? "" : " (" + s.kind + ")")));
          r.appendChild(el("td", p.size));
          r.appendChild(el("td", p.value, "num"));
          r.appendChild(el("td", p.interval));
          r.appendChild(el("td", p.method));
          r.appendChild(el("td", p.beyond, "num"));
        });
      });
      body.appendChild(pt);
    }
    return body;
  }
  Array.prototype.forEach.call(document.querySelectorAll("details.group"), function (d) {
    d.addEventListener("toggle", function () { if (d.open) build(d); });
  });
  function follow() {
    var m = /^#g(\d+)$/.exec(location.hash);
    if (!m) return;
    var d = document.getElementById("g" + m[1]);
    if (!d) return;
    build(d);
    d.open = true;
    d.scrollIntoView();
  }
  window.addEventListener("hashchange", follow);
  follow();

  // The browser test's probe: sort, filter and open a group, then report the DOM's state.
  function selftest(term) {
    // Milliseconds from navigation to here: parsing the page and setting it up.
    var out = { rows: rows.length, groups: data.groups.length, parsed_ms: started, ready_ms: Math.round(performance.now()) };
    void document.body.offsetHeight; // and laying it out
    out.layout_ms = Math.round(performance.now());
    var ths = table.tHead.rows[0].cells;
    var col = function (name) {
      return Array.prototype.filter.call(ths, function (th) { return th.textContent.trim() === name; })[0];
    };
    var values = function (th) {
      return Array.prototype.map.call(tbody.rows, function (r) { return key(r, th.cellIndex, th.getAttribute("data-type") === "num"); });
    };
    sortBy(col("per step"));
    out.step_first = values(col("per step"));
    sortBy(col("per step"));
    out.step_second = values(col("per step"));
    sortBy(col("task"));
    out.task_first = values(col("task"));
    out.term = term || (rows.length ? rows[0].cells[1].textContent : "");
    search.value = out.term;
    out.visible = filter();
    out.visible_rows = rows.filter(function (r) { return !r.hidden; }).map(function (r) { return r.id; });
    out.shown = shown.textContent;
    search.value = "";
    filter();
    // The first group with charts, else the first group.
    var drawn = data.groups.map(function (g, i) { return g.charts.length ? i : -1; }).filter(function (i) { return i >= 0; });
    var first = document.getElementById("g" + (drawn.length ? drawn[0] : 0));
    if (first) {
      var body = build(first);
      first.open = true;
      out.detail = {
        id: first.id,
        charts: data.groups[parseInt(first.id.slice(1), 10)].charts.length,
        tables: body.querySelectorAll("table").length,
        images: body.querySelectorAll("img").length,
        text: body.textContent.slice(0, 400),
        predictions: Array.prototype.map.call(body.querySelectorAll("table.predictions tbody tr"), function (r) {
          return r.textContent;
        }),
      };
    }
    out.errors = errors;
    var pre = document.getElementById("selftest");
    pre.textContent = JSON.stringify(out);
    pre.hidden = false;
  }
  var st = /^#selftest(?::(.*))?$/.exec(location.hash);
  if (st) {
    try {
      selftest(st[1] ? decodeURIComponent(st[1]) : "");
    } catch (e) {
      errors.push("selftest: " + e);
      document.getElementById("selftest").textContent = JSON.stringify({ errors: errors });
    }
  }
})();
