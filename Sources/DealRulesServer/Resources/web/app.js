// The deal desk (docs/service.md, "The deal desk"): a form made from the rules' deal schema,
// decided as it is typed, by the service's own routes. No framework and no build step: the
// server's answers decide what is right and wrong; this file only shows them.

const KINDS = { approved: "APPROVED", needs_approval: "NEEDS APPROVAL", blocked: "BLOCKED", incomplete: "INCOMPLETE" };
const $ = (id) => document.getElementById(id);

const state = {
  schema: null,      // GET /v1/deal-schema
  teams: {},         // approval name → team
  itemLists: {},     // deal field → item kind name
  catalogFields: {}, // item kind → the fields its catalog gives (shown folded: the catalog fills them)
  catalogNames: {},  // item kind → its catalog's names
  today: "",         // the server's date
  token: sessionStorage.getItem("dealrules-token") || "",
  previous: null,    // the last decision shown
  undo: [],          // deals before each applied change
  lastGoodDeal: null,
};

// MARK: Talking to the service

async function api(method, path, body) {
  const headers = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (state.token) headers["Authorization"] = "Bearer " + state.token;
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new Error("the service cannot be reached: " + e.message);
  }
  if (response.status === 401) {
    askForToken();
    throw new Error("the service needs an access token");
  }
  let data = null;
  try { data = await response.json(); } catch (e) { data = null; }
  return { status: response.status, data };
}

function askForToken() {
  $("token").hidden = false;
  $("token-input").focus();
}

$("token-form").addEventListener("submit", (e) => {
  e.preventDefault();
  state.token = $("token-input").value.trim();
  sessionStorage.setItem("dealrules-token", state.token);
  $("token").hidden = true;
  start();
});

function showProblem(text) {
  const p = $("problem");
  p.textContent = text || "";
  p.hidden = !text;
}

// MARK: The form, made from the schema

function fieldId(path) { return "f-" + path.replace(/[^A-Za-z0-9_-]/g, "-"); }

function typeOf(property) {
  return (property.anyOf && property.anyOf[0]) || property;
}

function makeInput(path, label, property, into) {
  const type = typeOf(property);
  const row = document.createElement("div");
  row.className = "field";
  const id = fieldId(path);
  const labelElement = document.createElement("label");
  labelElement.htmlFor = id;
  labelElement.textContent = label;
  let input;
  if (type.enum) {
    input = document.createElement("select");
    input.add(new Option("— not given —", ""));
    for (const v of type.enum) input.add(new Option(v, v));
  } else if (type.type === "boolean") {
    input = document.createElement("select");
    input.add(new Option("— not given —", ""));
    input.add(new Option("yes", "true"));
    input.add(new Option("no", "false"));
  } else {
    input = document.createElement("input");
    input.type = "text";
    if (type.type === "array") input.placeholder = "values separated by commas";
    else if (type.format === "date") input.placeholder = "YYYY-MM-DD";
    else if (type.examples) input.placeholder = String(type.examples[type.examples.length - 1]);
  }
  input.id = id;
  input.dataset.path = path;
  input.dataset.kind = type.enum ? "choice" : type.type === "boolean" ? "flag" : Array.isArray(type.type) ? "number-or-text"
    : type.type === "array" ? "list" : type.type === "number" ? "number" : "text";
  const error = document.createElement("p");
  error.className = "field-error";
  error.id = id + "-error";
  error.setAttribute("role", "alert");
  input.setAttribute("aria-describedby", error.id);
  input.addEventListener("input", changed);
  input.addEventListener("change", changed);
  row.append(labelElement, input, error);
  into.append(row);
  return input;
}

function buildForm() {
  const fields = $("fields");
  fields.textContent = "";
  const today = makeInput("today", "today", { type: "string", format: "date" }, fields);
  today.value = state.today;
  for (const [name, property] of Object.entries(state.schema.properties)) {
    if (name === "id" || name === "today") continue;
    const type = typeOf(property);
    if (type.type === "array" && type.items && type.items.$ref) {
      const kind = type.items.$ref.split("/").pop();
      state.itemLists[name] = kind;
      buildItemTable(name, kind, fields);
    } else {
      makeInput(name, name, property, fields);
    }
  }
}

function buildItemTable(list, kind, into) {
  const group = document.createElement("fieldset");
  group.className = "items";
  group.id = fieldId(list);
  group.dataset.list = list;
  const legend = document.createElement("legend");
  legend.textContent = list;
  const rows = document.createElement("div");
  rows.className = "item-rows";
  const add = document.createElement("button");
  add.type = "button";
  add.textContent = "Add " + kind;
  add.addEventListener("click", () => { addItemRow(list, kind, rows, {}); changed(); rows.lastChild.querySelector("input").focus(); });
  const names = document.createElement("datalist");
  names.id = fieldId(list) + "-names";
  for (const n of (state.schema.$defs[kind].properties.name.examples || [])) names.append(new Option(n));
  const error = document.createElement("p");
  error.className = "field-error";
  error.id = fieldId(list) + "-error";
  error.setAttribute("role", "alert");
  group.append(legend, rows, add, names, error);
  into.append(group);
}

function addItemRow(list, kind, rows, item) {
  const index = rows.children.length;
  const row = document.createElement("div");
  row.className = "item-row";
  row.dataset.index = index;
  const definition = state.schema.$defs[kind];
  const nameInput = makeInput(`${list}[${index}].name`, `${kind} ${index + 1} name`, { type: "string" }, row);
  nameInput.setAttribute("list", fieldId(list) + "-names");
  nameInput.dataset.kind = "text";
  // What the catalog gives is folded away: an item from the catalog needs none of it; one that
  // is not in the catalog (or that overrides it) opens it.
  const folded = document.createElement("details");
  const summary = document.createElement("summary");
  summary.textContent = `${kind} ${index + 1}: what the catalog gives`;
  folded.append(summary);
  const fromCatalog = state.catalogFields[kind] || new Set();
  for (const [field, property] of Object.entries(definition.properties)) {
    if (field === "name") continue;
    makeInput(`${list}[${index}].${field}`, `${kind} ${index + 1} ${field}`, property, fromCatalog.has(field) ? folded : row);
  }
  if (folded.children.length > 1) row.append(folded);
  const unfold = () => {
    const name = nameInput.value.trim();
    const given = [...folded.querySelectorAll("[data-path]")].some((i) => i.value.trim() !== "");
    if (given || (name !== "" && !(state.catalogNames[kind] || []).includes(name))) folded.open = true;
  };
  nameInput.addEventListener("change", unfold);
  row.unfold = unfold;
  const remove = document.createElement("button");
  remove.type = "button";
  remove.textContent = `Remove ${kind} ${index + 1}`;
  remove.addEventListener("click", () => {
    const deal = readDeal();
    deal[list] = (deal[list] || []).filter((_, i) => i !== index);
    fillForm(deal);
    changed();
  });
  row.append(remove);
  rows.append(row);
  setItemValues(row, list, index, item);
  unfold();
}

// MARK: Reading and filling the form

function valueOf(input) {
  const text = input.value.trim();
  if (text === "") return undefined;
  switch (input.dataset.kind) {
    case "flag": return text === "true";
    case "number": return /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(text) ? Number(text) : text;
    case "number-or-text": return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
    case "list": return text.split(",").map((s) => s.trim()).filter((s) => s !== "");
    default: return text;
  }
}

function show(value) {
  if (value === undefined || value === null) return "";
  if (Array.isArray(value)) return value.join(", ");
  return String(value);
}

function readDeal() {
  const deal = {};
  for (const input of $("fields").querySelectorAll(":scope > .field > [data-path]")) {
    const v = valueOf(input);
    if (v !== undefined) deal[input.dataset.path] = v;
  }
  for (const group of $("fields").querySelectorAll("fieldset.items")) {
    const list = group.dataset.list;
    const items = [];
    for (const row of group.querySelectorAll(".item-row")) {
      const item = {};
      for (const input of row.querySelectorAll("[data-path]")) {
        const v = valueOf(input);
        if (v !== undefined) item[input.dataset.path.split(".").pop()] = v;
      }
      if (Object.keys(item).length > 0) items.push(item);
    }
    if (items.length > 0) deal[list] = items;
  }
  return deal;
}

function setItemValues(row, list, index, item) {
  for (const input of row.querySelectorAll("[data-path]")) {
    input.value = show(item[input.dataset.path.split(".").pop()]);
  }
}

function fillForm(deal) {
  for (const input of $("fields").querySelectorAll(":scope > .field > [data-path]")) {
    const path = input.dataset.path;
    input.value = path === "today" ? (deal.today || state.today) : show(deal[path]);
  }
  for (const group of $("fields").querySelectorAll("fieldset.items")) {
    const list = group.dataset.list;
    const rows = group.querySelector(".item-rows");
    rows.textContent = "";
    for (const item of deal[list] || []) addItemRow(list, state.itemLists[list], rows, item);
  }
}

// MARK: Deciding, as the deal changes

let timer = null;
function changed() {
  clearTimeout(timer);
  timer = setTimeout(decide, 250);
}

function clearFieldErrors() {
  for (const p of document.querySelectorAll(".field-error")) p.textContent = "";
  for (const i of document.querySelectorAll("[aria-invalid]")) i.removeAttribute("aria-invalid");
}

function showFieldError(error) {
  const match = /^`([^`]+)`/.exec(error.message || "");
  const path = match ? match[1] : null;
  const input = path && (document.getElementById(fieldId(path)) || document.getElementById(fieldId(path.split(/[.[]/)[0])));
  const text = error.message + (error.help ? " — " + error.help : "");
  if (input) {
    const folded = input.closest("details");
    if (folded) folded.open = true;
    const p = document.getElementById(input.id + "-error");
    if (p) p.textContent = text;
    input.setAttribute("aria-invalid", "true");
    showProblem("The deal was not decided: " + (path || "a field") + " needs another value (see beside it).");
  } else {
    showProblem(text);
  }
}

let asked = 0;
async function decide() {
  const deal = readDeal();
  const mine = ++asked;
  let answer;
  try {
    answer = await api("POST", "/v1/why", { deal });
  } catch (e) {
    showProblem(e.message);
    return;
  }
  if (mine !== asked) return;  // a newer change is being decided
  clearFieldErrors();
  if (answer.status !== 200) {
    showFieldError((answer.data && answer.data.error) || { message: "the service answered " + answer.status });
    return;
  }
  showProblem("");
  state.lastGoodDeal = deal;
  history.replaceState(null, "", "#deal=" + toBase64url(JSON.stringify(deal)));
  showDecision(answer.data.decision, answer.data.near_misses || []);
}

// MARK: Showing the decision

function teamsOf(decision) {
  return [...new Set(decision.required.map((a) => state.teams[a] || a))];
}

function listText(words) {
  if (words.length <= 1) return words.join("");
  return words.slice(0, -1).join(", ") + " and " + words[words.length - 1];
}

function showDecision(decision, nearMisses) {
  // The same answer again (a change that changed nothing): leave the page as it is, with any
  // suggestions open.
  const shown = JSON.stringify([decision, nearMisses]);
  if (shown === state.shown) return;
  state.shown = shown;
  const banner = $("banner");
  banner.dataset.decision = decision.decision;
  banner.className = "banner " + decision.decision;
  const teams = teamsOf(decision);
  let text = KINDS[decision.decision] || decision.decision;
  if (decision.decision === "needs_approval") text += " — from " + listText(teams);
  if (decision.decision === "incomplete" && teams.length > 0) text += " — needs " + listText(teams) + " already";
  // What changed: the teams gained and lost since the teams last changed (as the REPL shows it).
  if (state.previous) {
    const before = new Set(teamsOf(state.previous));
    const changes = teams.filter((t) => !before.has(t)).map((t) => "+" + t)
      .concat([...before].filter((t) => !teams.includes(t)).map((t) => "−" + t));
    if (changes.length > 0 || decision.decision !== state.previous.decision) state.changes = changes;
  }
  if (state.changes && state.changes.length > 0) text += "  (" + state.changes.join(", ") + ")";
  banner.textContent = text;
  state.previous = decision;

  const approvals = $("approvals");
  approvals.textContent = "";
  for (const name of decision.required) {
    const box = document.createElement("article");
    box.className = "approval";
    box.dataset.approval = name;
    const title = document.createElement("h3");
    title.textContent = (state.teams[name] || name) + " (" + name + ")";
    box.append(title);
    for (const o of decision.outcomes.filter((o) => o.kind === "require" && o.approval === name)) box.append(outcomeLine(o));
    box.append(avoidButton(name, box));
    approvals.append(box);
  }
  if (decision.required.length === 0) approvals.innerHTML = '<p class="empty">None.</p>';

  const blocks = $("blocks");
  blocks.textContent = "";
  const denials = decision.outcomes.filter((o) => o.kind === "deny");
  for (const o of denials) blocks.append(outcomeLine(o));
  if (denials.length > 0) blocks.append(avoidButton("deny", blocks));
  else blocks.innerHTML = '<p class="empty">Nothing.</p>';

  const warnings = $("warnings");
  warnings.textContent = "";
  for (const o of decision.outcomes.filter((o) => o.kind === "warn")) warnings.append(outcomeLine(o));
  if (!warnings.firstChild) warnings.innerHTML = '<p class="empty">None.</p>';

  const missing = $("missing");
  missing.textContent = "";
  const facts = [...new Set(decision.undetermined.flatMap((u) => u.missing || []))].sort();
  if (facts.length === 0) missing.innerHTML = '<p class="empty">Nothing.</p>';
  const list = document.createElement("ul");
  for (const fact of facts) {
    const li = document.createElement("li");
    const link = document.createElement("a");
    link.href = "#" + fieldId(fact.split(".")[0]);
    link.textContent = fact;
    link.addEventListener("click", (e) => { e.preventDefault(); focusField(fact); });
    li.append(link);
    list.append(li);
  }
  if (facts.length > 0) missing.append(list);

  const near = $("near");
  near.textContent = "";
  for (const m of nearMisses) {
    const p = document.createElement("p");
    p.textContent = m.text || m.rule || JSON.stringify(m);
    near.append(p);
  }
  if (nearMisses.length === 0) near.innerHTML = '<p class="empty">None.</p>';
}

function focusField(fact) {
  const top = fact.split(".")[0];
  let element = document.getElementById(fieldId(top));
  if (element && element.tagName === "FIELDSET") {
    element = element.querySelector(".item-row input") || element.querySelector("button");
  }
  if (!element && state.itemLists) {
    // An item's field (`service.lead_time`): the first row's.
    const list = Object.keys(state.itemLists).find((l) => state.itemLists[l] === top);
    element = list && document.querySelector(`[data-path="${list}[0].${fact.split(".")[1]}"]`);
  }
  if (element) {
    const folded = element.closest("details");
    if (folded) folded.open = true;
    element.focus();
  }
}

function outcomeLine(o) {
  const p = document.createElement("div");
  p.className = "outcome";
  const message = document.createElement("p");
  message.textContent = o.message;
  const where = document.createElement("p");
  where.className = "where";
  let detail = "rule " + o.rule + (o.item ? " · " + o.item : "");
  if (o.values) detail += " · " + Object.entries(o.values).map(([k, v]) => k + " = " + show(v)).join(", ");
  where.textContent = detail;
  p.append(message, where);
  return p;
}

// MARK: Avoid, what-if, undo

function avoidButton(target, into) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "avoid";
  button.textContent = target === "deny" ? "How to avoid the block" : "How to avoid " + (state.teams[target] || target);
  const panel = document.createElement("div");
  panel.className = "suggestions";
  panel.setAttribute("aria-live", "polite");
  button.addEventListener("click", async () => {
    panel.textContent = "Looking for the smallest changes…";
    let answer;
    try {
      answer = await api("POST", "/v1/avoid", { deal: state.lastGoodDeal || readDeal(), approval: target });
    } catch (e) {
      panel.textContent = e.message;
      return;
    }
    panel.textContent = "";
    if (answer.status !== 200) {
      panel.textContent = (answer.data && answer.data.error && answer.data.error.message) || "the service answered " + answer.status;
      return;
    }
    const suggestions = answer.data.suggestions || [];
    if (suggestions.length === 0) panel.textContent = "No change found that avoids it.";
    for (const s of suggestions) {
      const row = document.createElement("div");
      row.className = "suggestion";
      const what = document.createElement("p");
      what.textContent = s.changes.map((c) => c.change + (c.now ? " (now " + c.now + ")" : "")).join(" and ")
        + (s.brings.length ? " — brings " + s.brings.map((b) => b.label || b).join(", ") : "");
      const apply = document.createElement("button");
      apply.type = "button";
      apply.textContent = "Apply: " + s.changes.map((c) => c.fact).join("; ");
      apply.addEventListener("click", () => applyEdits(s.changes.map((c) => c.edit)));
      row.append(what, apply);
      panel.append(row);
    }
  });
  const wrap = document.createElement("div");
  wrap.append(button, panel);
  return wrap;
}

function applyEdits(edits) {
  const deal = JSON.parse(JSON.stringify(state.lastGoodDeal || readDeal()));
  state.undo.push(JSON.parse(JSON.stringify(deal)));
  for (const edit of edits) {
    if (edit.op === "set_field") { deal[edit.field] = edit.value; continue; }
    const items = deal[edit.list] || [];
    if (edit.op === "remove_item") deal[edit.list] = items.filter((i) => i.name !== edit.item);
    for (const item of items) {
      if (item.name !== edit.item) continue;
      if (edit.op === "set_item_field") item[edit.field] = edit.value;
      if (edit.op === "replace_item") item.name = edit.with;
    }
  }
  fillForm(deal);
  $("undo").disabled = false;
  decide();
}

$("undo").addEventListener("click", () => {
  const deal = state.undo.pop();
  if (deal) { fillForm(deal); decide(); }
  $("undo").disabled = state.undo.length === 0;
});

$("whatif-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const out = $("whatif");
  const fact = $("whatif-input").value.trim();
  if (!fact) return;
  try {
    const answer = await api("POST", "/v1/whatif", { deal: state.lastGoodDeal || readDeal(), facts: [fact] });
    if (answer.status !== 200) {
      out.textContent = (answer.data && answer.data.error) ? answer.data.error.message + (answer.data.error.help ? " — " + answer.data.error.help : "") : "the service answered " + answer.status;
      return;
    }
    const a = answer.data;
    const labels = (effects) => effects.map((x) => x.label).join(", ") || "nothing";
    out.textContent = `${KINDS[a.before]} → ${KINDS[a.after]}; appear: ${labels(a.appear)}; disappear: ${labels(a.disappear)}`;
  } catch (error) {
    out.textContent = error.message;
  }
});

// MARK: Keep and share

$("download").addEventListener("click", () => {
  const blob = new Blob([JSON.stringify(state.lastGoodDeal || readDeal(), null, 2) + "\n"], { type: "application/json" });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = "deal.json";
  link.click();
  URL.revokeObjectURL(link.href);
});

$("scenario-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const name = $("scenario-name").value.trim() || "a deal from the deal desk";
  const out = $("scenario");
  try {
    const answer = await api("POST", "/v1/scenario", { deal: state.lastGoodDeal || readDeal(), name });
    out.hidden = false;
    out.textContent = answer.status === 200 ? answer.data.text : answer.data.error.message;
    if (answer.status === 200 && navigator.clipboard) navigator.clipboard.writeText(answer.data.text).catch(() => {});
  } catch (error) {
    out.hidden = false;
    out.textContent = error.message;
  }
});

function toBase64url(text) {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(base64 + "===".slice((base64.length + 3) % 4));
  return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}

function dealFromLink() {
  const match = /[#&]deal=([A-Za-z0-9_-]+)/.exec(location.hash);
  if (!match) return null;
  try { return JSON.parse(fromBase64url(match[1])); } catch (e) {
    showProblem("The link's deal cannot be read; the form starts empty.");
    return null;
  }
}

// MARK: Start

async function start() {
  try {
    const [schema, rules, status] = await Promise.all([api("GET", "/v1/deal-schema"), api("GET", "/v1/rules"), api("GET", "/v1/rules/status")]);
    if (schema.status !== 200 || rules.status !== 200) throw new Error("the rules could not be read (" + schema.status + ")");
    state.schema = schema.data;
    for (const a of rules.data.approvals) state.teams[a.name] = a.team;
    for (const kind of rules.data.items) {
      const entries = kind.catalog || [];
      state.catalogNames[kind.name] = entries.map((e) => e.name);
      state.catalogFields[kind.name] = new Set(entries.flatMap((e) => Object.keys(e.values)));
    }
    state.today = (status.data && status.data.today) || new Date().toISOString().slice(0, 10);
  } catch (e) {
    $("banner").textContent = "The rules could not be loaded.";
    showProblem(e.message);
    return;
  }
  buildForm();
  const deal = dealFromLink();
  if (deal) fillForm(deal);
  decide();
}

start();
