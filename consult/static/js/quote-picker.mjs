// Marking a point: words selected in one of the reply's passages are copied into the
// quote box, so an officer can quote part of a paragraph. Without JavaScript the officer
// chooses the paragraph, or types or pastes the words.
const form = document.querySelector("[data-quote-picker]");

if (form) {
  const quote = form.querySelector("textarea[name=quote]");
  form.querySelectorAll(".consult-passages .govuk-radios__label").forEach((passage) => {
    passage.addEventListener("mouseup", () => {
      const selected = window.getSelection().toString().trim();
      if (selected && quote) {
        quote.value = selected;
        quote.focus();
      }
    });
  });
}
