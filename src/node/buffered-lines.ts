// Node only: log lines written after the answers of the same turn of the event loop, all of that
// turn's lines in one write. Node writes to a pipe or file synchronously, so a line written where it
// is made would hold up the answer it describes by a system call; batched, a busy server makes one
// call per turn instead of one or two per request. What is still pending when the process exits is
// written then (a SIGKILL loses at most one turn's lines).

interface LineSink {
  write(chunk: string): unknown;
}

/** Past this many buffered characters the lines are written at once rather than at the end of the turn. */
const FLUSH_AT_CHARS = 256 * 1024;

export function bufferedLineWriter(sink: LineSink = process.stdout): (line: string) => void {
  let pending: string[] = [];
  let chars = 0;
  let scheduled = false;
  const flush = () => {
    scheduled = false;
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
    else if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
}
