// The Plugins page (admins): the controller's plugin catalog — upload a plugin's shared object,
// see what it declares it needs and its config schema before enabling it, delete what no
// pipeline names — and the apply, provision and update-agent pipelines of every server or of one: steps dragged (or moved with
// buttons) into order, each with a form built from the plugin's declared JSON Schema. The API
// checks everything again and its refusals are shown beside the step and field they name.
import { api } from "../api.js";
import { badge, formatDate, h, mount } from "../dom.js";

/** "com.example.motd: writes /etc/motd; runs fail2ban-client" — what a declaration says it needs. */
function needsText(declaration) {
  const needs = declaration?.needs ?? {};
  const parts = [["services", "drives"], ["writes", "writes"], ["runs", "runs"]]
    .filter(([key]) => needs[key]?.length).map(([key, verb]) => `${verb} ${needs[key].join(", ")}`);
  return parts.length ? parts.join("; ") : "declares nothing";
}

/** One input per member of an object schema (string, number, integer, boolean, enum; anything
 * else as JSON), filled from `value`; `read()` gives the config back, members left empty omitted. */
function schemaForm(schema, value, idPrefix) {
  const properties = Object.entries(schema?.properties ?? {});
  const required = new Set(schema?.required ?? []);
  const readers = [];
  const errors = {};
  const fields = properties.map(([name, property]) => {
    const id = `${idPrefix}-${name}`;
    const current = value?.[name] ?? property.default;
    let input;
    let read;
    if (Array.isArray(property.enum)) {
      input = h("select", { id }, required.has(name) ? null : h("option", { value: "" }, "—"),
        property.enum.map((option) => h("option", { value: JSON.stringify(option), selected: JSON.stringify(option) === JSON.stringify(current) }, String(option))));
      read = () => (input.value === "" ? undefined : JSON.parse(input.value));
    } else if (property.type === "boolean") {
      input = h("input", { id, type: "checkbox", checked: current === true });
      read = () => input.checked;
    } else if (property.type === "integer" || property.type === "number") {
      input = h("input", { id, type: "number", step: property.type === "integer" ? "1" : "any", min: property.minimum, max: property.maximum, value: current ?? "" });
      read = () => (input.value === "" ? undefined : Number(input.value));
    } else if (property.type === "string") {
      input = h("input", { id, type: "text", value: current ?? "", maxlength: property.maxLength, required: required.has(name) });
      read = () => (input.value === "" ? undefined : input.value);
    } else {
      input = h("textarea", { id, rows: 2, spellcheck: false }, current === undefined ? "" : JSON.stringify(current));
      read = () => (input.value.trim() === "" ? undefined : JSON.parse(input.value));
    }
    readers.push([name, read]);
    errors[name] = h("div", { class: "error", role: "alert", id: `${id}-error` });
    input.setAttribute("aria-describedby", `${id}-error`);
    return h("div", { class: "field" },
      h("label", { for: id }, property.title ?? name, required.has(name) ? " *" : ""),
      input, property.description ? h("small", {}, property.description) : null, errors[name]);
  });
  return {
    element: h("div", { class: "schema-form" }, fields),
    read: () => Object.fromEntries(readers.map(([name, read]) => [name, read()]).filter(([, v]) => v !== undefined)),
    showError(member, message) { (errors[member] ?? null)?.replaceChildren(message); return Boolean(errors[member]); },
  };
}

export async function plugins(container, app) {
  const state = { scope: "default", name: "apply", pipeline: null, steps: [], message: null, loading: false };
  // The shown steps' forms: what is typed is kept in `state.steps` before the list is drawn again.
  let forms = [];
  function capture() {
    state.steps.forEach((step, index) => {
      try { if (forms[index]) step.config = forms[index].read(); } catch { /* unreadable JSON stays as it was */ }
    });
  }
  let catalog = { items: [], bundled: [] };

  const pipelinePath = () => (state.scope === "default" ? `/api/pipelines/default/${state.name}` : `/api/servers/${state.scope}/pipelines/${state.name}`);
  const versionsOf = (id) => catalog.items.filter((plugin) => plugin.plugin_id === id);
  const declarationOf = (step) => {
    const versions = versionsOf(step.plugin);
    const chosen = versions.find((plugin) => plugin.version === step.version) ?? versions.at(-1);
    return chosen?.declaration ?? catalog.bundled.find((plugin) => plugin.plugin_id === step.plugin)?.declaration ?? null;
  };
  const pluginIDs = () => [...new Set([...catalog.bundled.map((p) => p.plugin_id), ...catalog.items.map((p) => p.plugin_id)])].sort();

  async function load() {
    catalog = await api.get("/api/plugins");
    state.pipeline = await api.get(pipelinePath());
    const shown = state.pipeline.own ?? state.pipeline.effective;
    state.steps = (shown?.steps ?? []).map((step) => ({ plugin: step.plugin, version: step.version, config: step.config ?? {} }));
    state.loading = false;
    render();
  }

  /** Shows another pipeline: the editor holds no steps, and takes no edit, until it is read. */
  async function switchTo(change) {
    change();
    state.loading = true;
    state.steps = [];
    render();
    await load();
  }

  async function upload(event) {
    event.preventDefault();
    const form = event.target;
    const file = form.querySelector("#plugin-file").files[0];
    const signature = form.querySelector("#plugin-signature").value.trim();
    const error = form.querySelector(".form-error");
    error.replaceChildren();
    if (!file) { error.replaceChildren("Choose the plugin's shared object (.so)."); return; }
    try {
      const added = await api.upload("/api/plugins", file, signature ? { "X-Plugin-Signature": signature } : {});
      state.message = `${added.plugin_id} ${added.version} is in the catalog: ${needsText(added.declaration)}.`;
      await load();
    } catch (failure) {
      error.replaceChildren(`${failure.field ? failure.field + ": " : ""}${failure.message}`);
    }
  }

  function catalogTable() {
    const rows = catalog.items.map((plugin) => h("tr", {},
      h("td", {}, h("strong", {}, plugin.plugin_id), h("br"), plugin.summary),
      h("td", {}, plugin.version), h("td", {}, plugin.kinds),
      h("td", {}, needsText(plugin.declaration)),
      h("td", {}, plugin.signed ? badge("signed", "ok") : badge("unsigned", "amber")),
      h("td", {}, h("code", { title: plugin.sha256 }, plugin.sha256.slice(0, 12))),
      h("td", {}, formatDate(plugin.uploaded_on)),
      h("td", {}, h("button", { type: "button", class: "danger", "aria-label": `Delete ${plugin.plugin_id} ${plugin.version}`, onclick: async (event) => {
        try { await api.delete(`/api/plugins/${plugin.sha256}`); await load(); } catch (failure) { event.target.after(h("span", { class: "form-error", role: "alert" }, ` ${failure.message}`)); }
      } }, "Delete"))));
    const shipped = catalog.bundled.map((plugin) => h("tr", {},
      h("td", {}, h("strong", {}, plugin.plugin_id)), h("td", {}, "shipped"), h("td", {}, "—"), h("td", {}, needsText(plugin.declaration)),
      h("td", {}, badge("built in", "ok")), h("td", {}, "—"), h("td", {}, "—"), h("td", {})));
    return h("table", { id: "plugin-catalog" },
      h("caption", {}, "Plugin catalog"),
      h("thead", {}, h("tr", {}, ["Plugin", "Version", "Kinds", "Needs", "Signature", "SHA-256", "Uploaded", ""].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, rows, shipped));
  }

  function move(from, to) {
    if (to < 0 || to >= state.steps.length || from === to) return;
    capture();
    const [step] = state.steps.splice(from, 1);
    state.steps.splice(to, 0, step);
    render();
  }

  function stepCard(step, index) {
    const idPrefix = `step-${index}`;
    const declaration = declarationOf(step);
    const form = schemaForm(declaration?.config_schema, step.config, idPrefix);
    // Members the schema does not describe stay editable as JSON.
    const described = new Set(Object.keys(declaration?.config_schema?.properties ?? {}));
    const rest = Object.fromEntries(Object.entries(step.config ?? {}).filter(([name]) => !described.has(name)));
    const extra = h("textarea", { id: `${idPrefix}-json`, rows: 2, spellcheck: false }, Object.keys(rest).length ? JSON.stringify(rest) : "");
    const stepError = h("div", { class: "form-error", role: "alert", id: `${idPrefix}-error` });
    forms[index] = {
      read: () => ({ ...(extra.value.trim() ? JSON.parse(extra.value) : {}), ...form.read() }),
      showError: (member, message) => form.showError(member, message) || stepError.replaceChildren(message),
      stepError,
    };
    const versions = versionsOf(step.plugin);
    const pluginSelect = h("select", { id: `${idPrefix}-plugin`, onchange: (event) => { capture(); step.plugin = event.target.value; step.version = undefined; step.config = {}; render(); } },
      pluginIDs().map((id) => h("option", { value: id, selected: id === step.plugin }, id)));
    const versionSelect = versions.length
      ? h("select", { id: `${idPrefix}-version`, onchange: (event) => { capture(); step.version = event.target.value || undefined; render(); } },
        h("option", { value: "" }, "newest"), versions.map((plugin) => h("option", { value: plugin.version, selected: plugin.version === step.version }, plugin.version)))
      : h("span", {}, "shipped with the controller");
    const card = h("li", { class: "card pipeline-step", draggable: "true", "data-index": index,
      ondragstart: (event) => { event.dataTransfer.setData("text/plain", String(index)); card.classList.add("dragging"); },
      ondragend: () => card.classList.remove("dragging"),
      ondragover: (event) => event.preventDefault(),
      ondrop: (event) => { event.preventDefault(); move(Number(event.dataTransfer.getData("text/plain")), index); } },
    h("div", { class: "toolbar" },
      h("span", { class: "drag-handle", "aria-hidden": "true" }, "⠿"),
      h("label", { for: pluginSelect.id }, `Step ${index + 1}`), pluginSelect,
      versions.length ? h("label", { for: `${idPrefix}-version` }, "Version") : null, versionSelect,
      h("button", { type: "button", "aria-label": `Move step ${index + 1} up`, disabled: index === 0, onclick: () => move(index, index - 1) }, "↑"),
      h("button", { type: "button", "aria-label": `Move step ${index + 1} down`, disabled: index === state.steps.length - 1, onclick: () => move(index, index + 1) }, "↓"),
      h("button", { type: "button", class: "danger", "aria-label": `Remove step ${index + 1}`, onclick: () => { capture(); state.steps.splice(index, 1); render(); } }, "Remove")),
    declaration ? h("p", {}, needsText(declaration)) : null,
    form.element,
    h("div", { class: "field" }, h("label", { for: extra.id }, "Other config (JSON)"), extra),
    stepError);
    return card;
  }

  function pipelineEditor() {
    forms = [];
    const saveError = h("div", { class: "form-error", role: "alert", id: "pipeline-error" });
    const scope = h("select", { id: "pipeline-scope", onchange: (event) => switchTo(() => { state.scope = event.target.value; }) },
      h("option", { value: "default", selected: state.scope === "default" }, "Every server without its own (default)"),
      app.servers.map((server) => h("option", { value: String(server.id), selected: String(server.id) === state.scope }, server.name)));
    const name = h("select", { id: "pipeline-name", onchange: (event) => switchTo(() => { state.name = event.target.value; }) },
      [["apply", "Apply (every change)"], ["provision", "Provision"], ["update-agent", "Update agent"]]
        .map(([value, label]) => h("option", { value, selected: value === state.name }, label)));
    const own = state.pipeline?.own;
    const effective = state.pipeline?.effective;
    const configured = state.name === "apply" ? "the apply pipeline its host is configured with (Caddy, iptables)" : `the controller's configured ${state.name} pipeline`;
    const status = state.loading ? "Loading…" : own ? "This pipeline is kept for it." : effective ? "It runs the default pipeline shown below until you save its own." : `It runs ${configured} until you save one.`;
    async function save() {
      saveError.replaceChildren();
      let steps;
      try {
        steps = state.steps.map((step, index) => ({ plugin: step.plugin, ...(step.version ? { version: step.version } : {}), config: forms[index].read() }));
      } catch (failure) {
        saveError.replaceChildren(`A config is not JSON: ${failure.message}`);
        return;
      }
      try {
        await api.put(pipelinePath(), { steps });
        state.message = state.name === "apply" ? "Saved: the servers it reaches apply it now." : "Saved: it runs at the next provisioning run.";
        await load();
      } catch (failure) {
        const match = /^steps\[(\d+)\](?:\.config\.([^.[]+))?/.exec(failure.field ?? "");
        if (match && forms[Number(match[1])]) forms[Number(match[1])].showError(match[2], failure.message);
        saveError.replaceChildren(`${failure.field ? failure.field + ": " : ""}${failure.message}`);
      }
    }
    const list = h("ol", { class: "pipeline-steps", id: "pipeline-steps" }, state.steps.map((step, index) => stepCard(step, index)));
    return h("section", { class: "card", "aria-labelledby": "pipeline-heading" },
      h("h3", { id: "pipeline-heading" }, "Pipelines"),
      h("div", { class: "field" }, h("label", { for: name.id }, "Pipeline"), name),
      h("div", { class: "field" }, h("label", { for: scope.id }, "For"), scope),
      h("p", {}, status),
      list,
      h("div", { class: "toolbar" },
        h("button", { type: "button", id: "add-step", disabled: state.loading, onclick: () => { capture(); state.steps.push({ plugin: pluginIDs()[0], config: {} }); render(); } }, "Add step"),
        h("button", { type: "button", class: "primary", id: "save-pipeline", disabled: state.loading, onclick: save }, "Save pipeline"),
        own && !state.loading ? h("button", { type: "button", class: "danger", id: "forget-pipeline", onclick: async () => {
          try { await api.delete(pipelinePath()); state.message = "Forgotten: its steps are rolled back where they ran."; await load(); } catch (failure) { saveError.replaceChildren(failure.message); }
        } }, "Forget this pipeline") : null),
      saveError);
  }

  function render() {
    const uploadForm = h("form", { class: "card", id: "plugin-upload", onsubmit: upload },
      h("h3", {}, "Upload a plugin"),
      h("p", {}, "A plugin is native code that runs as the agent's user on every server whose pipeline names it. Upload only what you would run as root."),
      h("div", { class: "field" }, h("label", { for: "plugin-file" }, "Shared object (.so)"), h("input", { id: "plugin-file", type: "file", accept: ".so,application/octet-stream" })),
      h("div", { class: "field" }, h("label", { for: "plugin-signature" }, "Signature (base64 Ed25519, when a signing key is set)"), h("input", { id: "plugin-signature", type: "text", spellcheck: false })),
      h("div", { class: "form-error", role: "alert" }),
      h("button", { type: "submit", class: "primary" }, "Upload"));
    mount(container,
      h("div", { class: "toolbar" }, h("h2", {}, "Plugins")),
      state.message ? h("div", { class: "card", role: "status", id: "plugins-message" }, state.message) : null,
      catalogTable(), uploadForm, pipelineEditor());
  }

  app.refresh = null;
  await load();
}
