import { describe, expect, it } from 'vitest';
import { latexText, markdownCell } from './report-text-files';

describe('report text escaping', () => {
  it('keeps a Markdown cell on one line with its pipes, HTML and emphasis escaped, and no link formed', () => {
    expect(markdownCell('a|b\nc\r\nd')).toBe('a\\|b c d');
    expect(markdownCell('<script>*x*_y_`z`\\')).toBe('\\<script\\>\\*x\\*\\_y\\_\\`z\\`\\\\');
    expect(markdownCell('![img](http://x/y.png)')).toBe('![img\\](http://x/y.png)');
    expect(markdownCell('[0.100, 0.900]')).toBe('[0.100, 0.900]');
  });

  it('escapes every LaTeX special once, a backslash included, and keeps a cell on one line', () => {
    expect(latexText('\\ & % $ # _ { } ~ ^')).toBe('\\textbackslash{} \\& \\% \\$ \\# \\_ \\{ \\} \\textasciitilde{} \\textasciicircum{}');
    expect(latexText('a\nb')).toBe('a b');
    expect(latexText('x · y − z')).toBe('x \\textperiodcentered{} y - z');
  });
});
