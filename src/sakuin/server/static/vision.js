// The Vision page: upload an image and a prompt to POST /api/see, show the boxed image, the labels
// the prompt was mapped to, the detections, and (when asked) the classes, the text read and the
// answer to a question.
// Uses api() and showMessage() of app.js; every value is set as text, never as HTML.
"use strict";

function visionList(id, items) {
  const list = document.getElementById(id);
  list.replaceChildren(...items.map((text) => {
    const item = document.createElement("li");
    item.textContent = text;
    return item;
  }));
}

function explainMapping(mapping) {
  const lines = mapping.terms.map((t) => `${t.term} → ${t.labels.join(", ")} (${t.via})`);
  if (mapping.everything) lines.push("every label (the prompt names no particular object)");
  for (const miss of mapping.unmapped) {
    const near = miss.nearest.map((n) => `${n.label} ${n.similarity.toFixed(2)}`).join(", ");
    lines.push(`${miss.term}: no known label; nearest: ${near}`);
  }
  return lines.join("\n");
}

async function seeImage(form) {
  const data = new FormData(form);
  const result = await api("POST", "/api/see", data);
  document.getElementById("vision-output").hidden = false;
  document.getElementById("vision-boxed").src = result.boxed_png;
  document.getElementById("vision-mapping").textContent = `${result.model}\n${explainMapping(result.mapping)}`;
  visionList("vision-notes", result.notes);
  visionList("vision-detections", result.detections.map(
    (d) => `${d.label} ${d.score.toFixed(2)} [${d.box.join(", ")}]`));
  document.getElementById("vision-classes-block").hidden = !result.classes;
  document.getElementById("vision-text-block").hidden = !result.text;
  document.getElementById("vision-classes").textContent = result.classes
    ? `${result.classes.label_set}: ` + result.classes.labels.map((c) => `${c.label} ${c.score.toFixed(2)}`).join(", ")
    : "";
  document.getElementById("vision-answer-block").hidden = !result.answer;
  document.getElementById("vision-answer").textContent = result.answer ? result.answer.text : "";
  document.getElementById("vision-answer-model").textContent = result.answer ? result.answer.model : "";
  document.getElementById("vision-text").textContent = result.text
    ? result.text.map((line) => line.text).join("\n")
    : "";
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("vision-form");
  if (!form) return;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      showMessage("", false);
      await seeImage(form);
    } catch (error) {
      showMessage(error.message, true);
    } finally {
      button.disabled = false;
    }
  });
});
