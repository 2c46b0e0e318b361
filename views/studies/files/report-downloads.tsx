// The study page's links to the report as files: one self-contained HTML file, Markdown and LaTeX
// tables to paste, and the accuracy chart as SVG.
export function ReportDownloads(props: { id: number }) {
  const report = `/api/v1/studies/${props.id}/report?format=`;
  return (
    <span class="report-downloads">
      download the report: <a href={`${report}html`} download={`study-${props.id}.html`}>HTML file</a> ·{' '}
      <a href={`${report}md`} download={`study-${props.id}.md`}>Markdown</a> · <a href={`${report}tex`} download={`study-${props.id}.tex`}>LaTeX</a> ·{' '}
      <a href={`/studies/${props.id}/chart.svg`} download={`study-${props.id}-accuracy.svg`}>chart (SVG)</a>
    </span>
  );
}
