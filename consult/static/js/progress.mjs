// Keeps a progress page's counts up to date while work is under way. Without JavaScript
// the page shows the counts as they were, with a link to refresh. A panel marked
// data-reload-when-done reloads once the work has finished, to show the outcome.
const panel = document.querySelector("[data-progress-url]");

async function refresh() {
  const response = await fetch(panel.dataset.progressUrl, { headers: { Accept: "application/json" } });
  if (!response.ok) return null;
  const counts = await response.json();
  for (const element of panel.querySelectorAll("[data-count]")) {
    const value = counts[element.dataset.count];
    if (value !== undefined) element.textContent = value;
  }
  return counts;
}

if (panel) {
  const tick = async () => {
    const counts = await refresh();
    if (counts === null) return;
    if (counts.waiting > 0) setTimeout(tick, 3000);
    else if (panel.dataset.reloadWhenDone) window.location.reload();
  };
  setTimeout(tick, 3000);
}
