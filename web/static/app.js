// What the pages do beyond HTMX, from this file only: the Content-Security-Policy refuses
// inline scripts and handlers. A select marked data-submit-on-change sends its form at once.
document.addEventListener("change", (event) => {
  const field = event.target;
  if (field instanceof HTMLSelectElement && field.dataset.submitOnChange !== undefined) {
    field.form?.submit();
  }
});
