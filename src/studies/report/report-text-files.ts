// A study's summary and pairs as text to paste: a Markdown table, or a LaTeX tabular.
import { filePairs, pairsTable, reportHeadline, summaryTable, type FigureTable, type ReportFileBody } from './report-figures';

/**
 * A Markdown table cell: one line; `|` and the characters Markdown would act on (HTML, emphasis, code)
 * escaped with a backslash, and `](` so no link or image forms (an interval's brackets stay as they are).
 */
export const markdownCell = (text: string) =>
  text
    .replace(/\r\n?|\n/g, ' ')
    .replace(/[\\|<>*_`]/g, (c) => `\\${c}`)
    .replace(/\]\(/g, '\\](');

/** What the pairs table leaves out of a wide sweep, said under it. */
function pairsLeftOut(body: ReportFileBody): string {
  const { shown, more } = filePairs(body);
  return more ? ` The ${shown.length} pairs with the smallest adjusted p-values (the primary contrast first) of ${body.pairs.length}; every pair is in the JSON report.` : '';
}

function markdownTable(table: FigureTable): string {
  const line = (cells: string[]) => `| ${cells.map(markdownCell).join(' | ')} |`;
  return [line(table.headers), `|${table.headers.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`, ...table.rows.map(line)].join('\n');
}

export function reportMarkdown(body: ReportFileBody): string {
  const parts = [`# ${markdownCell(body.name)}`, '', markdownCell(reportHeadline(body)), '', '## Accuracy per target', '', markdownTable(summaryTable(body))];
  parts.push('', 'Accuracy is over items; its 95% interval treats the items, not the samples, as the units drawn. The Wilson interval over samples treats every sample as independent and is shown only for contrast.');
  if (body.pairs.length) parts.push('', '## Paired comparisons', '', markdownTable(pairsTable(body)), '', `${markdownCell(`${body.comparisons.note}.${pairsLeftOut(body)}`)}`);
  for (const w of body.warnings) parts.push('', `> Warning: ${markdownCell(w.message)}`);
  return `${parts.join('\n')}\n`;
}

const LATEX_SPECIALS: Record<string, string> = {
  '\\': '\\textbackslash{}',
  '&': '\\&',
  '%': '\\%',
  $: '\\$',
  '#': '\\#',
  _: '\\_',
  '{': '\\{',
  '}': '\\}',
  '~': '\\textasciitilde{}',
  '^': '\\textasciicircum{}',
  '<': '\\textless{}',
  '>': '\\textgreater{}',
  '·': '\\textperiodcentered{}',
  '−': '-',
  '–': '--',
  α: '$\\alpha$',
};

/** Text for a LaTeX cell: one line, every special character escaped in one pass (so no escape is escaped again). */
export const latexText = (text: string) => text.replace(/\r\n?|\n/g, ' ').replace(/[\\&%$#_{}~^<>·−–α]/g, (c) => LATEX_SPECIALS[c]!);

function latexTabular(table: FigureTable): string {
  const row = (cells: string[]) => `${cells.map(latexText).join(' & ')} \\\\`;
  return [
    `\\begin{tabular}{l${'r'.repeat(table.headers.length - 1)}}`,
    '\\hline',
    row(table.headers),
    '\\hline',
    ...table.rows.map(row),
    '\\hline',
    '\\end{tabular}',
  ].join('\n');
}

/** Two tabulars to \input into a paper: the summary, then the pairs; what they are in comments. */
export function reportLatex(body: ReportFileBody): string {
  const comment = (text: string) => `% ${latexText(text)}`;
  const parts = [comment(body.name), comment(reportHeadline(body)), comment('Accuracy over items with the item-clustered 95% interval; the Wilson interval over samples is too narrow, for contrast.'), latexTabular(summaryTable(body))];
  if (body.pairs.length) parts.push('', comment(`Paired over items. ${body.comparisons.note}.${pairsLeftOut(body)}`), latexTabular(pairsTable(body)));
  return `${parts.join('\n')}\n`;
}
