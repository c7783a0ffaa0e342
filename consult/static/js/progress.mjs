// Keeps a progress page's counts up to date while work is under way. Without JavaScript
// the page shows the counts as they were, with a link to refresh.
const panel = document.querySelector("[data-progress-url]");

async function refresh() {
  const response = await fetch(panel.dataset.progressUrl, { headers: { Accept: "application/json" } });
  if (!response.ok) return false;
  const counts = await response.json();
  for (const element of panel.querySelectorAll("[data-count]")) {
    const value = counts[element.dataset.count];
    if (value !== undefined) element.textContent = value;
  }
  return counts.waiting > 0;
}

if (panel) {
  const tick = async () => {
    if (await refresh()) setTimeout(tick, 3000);
  };
  setTimeout(tick, 3000);
}
