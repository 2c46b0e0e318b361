// Node only: log lines gathered and written together, at most FLUSH_AFTER_MS after the first of them,
// never in the middle of answering a request. Node writes to a pipe or file synchronously, and a write
// to a pipe wakes whatever reads it: one write per line cost a busy server more CPU than building the
// lines, and held up the answer each line describes. What is still pending when the process exits is
// written then (a SIGKILL loses at most FLUSH_AFTER_MS of lines).

interface LineSink {
  write(chunk: string): unknown;
}

export const FLUSH_AFTER_MS = 20;
/** Past this many waiting characters the lines are written at once. */
const FLUSH_AT_CHARS = 64 * 1024;

export function bufferedLineWriter(sink: LineSink = process.stdout): (line: string) => void {
  let pending: string[] = [];
  let chars = 0;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (!pending.length) return;
    const chunk = `${pending.join('\n')}\n`;
    pending = [];
    chars = 0;
    sink.write(chunk);
  };
  process.on('exit', flush);
  return (line) => {
    pending.push(line);
    chars += line.length;
    if (chars >= FLUSH_AT_CHARS) flush();
    // Unreferenced: waiting lines never keep the process alive (the exit handler writes them).
    else timer ??= setTimeout(flush, FLUSH_AFTER_MS).unref();
  };
}
