// The "New jobs" form: files (picked or dropped, at most 10), the kind, and
// an options form built from the kind's described options (GET /api/kinds).

export const MAX_FILES = 10;

/** Builds one labelled control per option into `fieldset`. */
export function renderOptions(fieldset, kind) {
  const legend = fieldset.querySelector("legend");
  fieldset.replaceChildren(legend);
  fieldset.hidden = !kind || kind.options.length === 0;
  for (const option of kind?.options ?? []) {
    const id = `opt-${option.name}`;
    const field = document.createElement("div");
    field.className = option.type === "boolean" ? "field check" : "field";
    const label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = option.label;
    const help = document.createElement("p");
    help.className = "hint";
    help.id = `${id}-help`;
    help.textContent = option.help;
    let control;
    if (option.type === "choice") {
      control = document.createElement("select");
      for (const choice of option.choices) {
        const item = document.createElement("option");
        item.value = choice;
        item.textContent = choice;
        control.append(item);
      }
      control.value = option.default;
    } else if (option.type === "boolean") {
      control = document.createElement("input");
      control.type = "checkbox";
      control.checked = Boolean(option.default);
    } else {
      control = document.createElement("input");
      control.type = "number";
      control.min = String(option.min);
      control.max = String(option.max);
      control.step = option.type === "integer" ? "1" : "any";
      control.value = option.default === null || option.default === undefined ? "" : String(option.default);
      if (option.default === null) control.placeholder = "unset";
    }
    control.id = id;
    control.name = option.name;
    control.setAttribute("aria-describedby", help.id);
    if (option.type === "boolean") field.append(control, label, help);
    else field.append(label, control, help);
    fieldset.append(field);
  }
}

/**
 * The options to send: those that differ from their default (or are set,
 * when unset by default). Returns {options} or {error} for a bad number.
 */
export function readOptions(fieldset, kind) {
  const options = {};
  for (const option of kind?.options ?? []) {
    const control = fieldset.querySelector(`#opt-${CSS.escape(option.name)}`);
    if (!control) continue;
    let value;
    if (option.type === "boolean") {
      value = control.checked;
    } else if (option.type === "choice") {
      value = control.value;
    } else {
      if (control.value.trim() === "") continue;
      value = Number(control.value);
      if (!Number.isFinite(value) || (option.type === "integer" && !Number.isInteger(value))) {
        return { error: `${option.label}: enter ${option.type === "integer" ? "a whole number" : "a number"}` };
      }
      if (value < option.min || value > option.max) {
        return { error: `${option.label}: enter a value from ${option.min} to ${option.max}` };
      }
    }
    if (value !== option.default) options[option.name] = value;
  }
  return { options };
}

/** Lists the chosen files (name and size). */
export function renderFiles(list, files) {
  list.replaceChildren(
    ...files.map((file) => {
      const item = document.createElement("li");
      item.textContent = `${file.name} (${formatSize(file.size)})`;
      return item;
    }),
  );
}

function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
