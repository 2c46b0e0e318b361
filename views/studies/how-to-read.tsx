// "How to read these numbers": what each figure of the study page estimates, over what population
// (items), and what it does not claim. The same wording as the section of that name in docs/studies.md.
export function HowToRead(props: { adjust: 'holm' | 'bh'; clusterBy: string | null }) {
  const method = props.adjust === 'bh' ? 'Benjamini–Hochberg' : 'Holm';
  return (
    <details class="panel how-to-read" id="how-to-read">
      <summary>How to read these numbers</summary>
      <p>
        A study estimates how each target behaves on a <strong>population of questions</strong>, of which the study's items are a sample. Its samples of one item are
        repeated measurements of that item, not new items: ten samples of forty items are forty observations of the target's accuracy, not four hundred. So every interval and
        test below is computed over items, and says how many it rests on.
      </p>
      <ul>
        <li>
          <strong>Accuracy</strong> is the share of passing samples, weighted by item; its 95% interval says where the target's accuracy on <em>questions like these</em> lies,
          given how much items differ. It does not say how the target does on other kinds of questions, or with another prompt.
          {props.clusterBy ? ` Clustered by "${props.clusterBy}": items that share a source count as one unit (they are not independent either).` : ' With cluster_by, items that share a source count as one unit (they are not independent either).'}
        </li>
        <li>
          <strong>The sample-level Wilson interval</strong> beside it treats every sample as independent. It is shown only to make the contrast visible: it is too narrow by
          about the square root of the design effect.
        </li>
        <li>
          <strong>Human-adjusted accuracy</strong> is the same accuracy, with the same interval over items, where a human label overrules the scorer on the calls it labels. It
          is only as good as the labels: it says nothing about the answers no one reviewed.
        </li>
        <li>
          <strong>A paired difference</strong> compares two targets on the items both answered. Its interval and p-value are about the mean per-item difference.{' '}
          <code>p_adjusted</code> ({method} here) accounts for all the pairs compared at once (Holm: the chance of any false difference stays under 5%; BH: the share of false ones
          does); read significance from it, not from <code>p_value</code>, unless the pair is the declared <code>primary</code> contrast. <code>mde</code> is the smallest
          difference this many items could detect 80% of the time: a non-significant difference smaller than it is "not measured", not "no difference".
        </li>
        <li>
          <strong>Majority-vote accuracy, McNemar</strong> answer a different question: is the target's <em>most common</em> answer right? A tie splits the item's credit.
        </li>
        <li>
          <strong>Self-consistency and entropy</strong> describe how much a target's answers to one item vary, counted on the value the scorer compares (the number, the letter).
        </li>
        <li>
          <strong>κ</strong> says how far a scorer agrees with human labels beyond chance, over the labelled calls.
        </li>
        <li>
          <strong>Warnings</strong> flag a scorer that would pass the question itself: its accuracy is not evidence.
        </li>
      </ul>
      <p>
        A study cut short holds a random subset of its matrix (tasks run in a seeded random order), so its figures are unbiased for the items it covers, with wider intervals.
      </p>
    </details>
  );
}
