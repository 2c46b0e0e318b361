/** Rate-limit gate shared by every call of a study: one 429 pauses them all until Retry-After passes. */
export class BackoffGate {
  private resumeAt = 0;

  pause(ms: number) {
    this.resumeAt = Math.max(this.resumeAt, Date.now() + ms);
  }

  async wait(): Promise<void> {
    for (let delay = this.resumeAt - Date.now(); delay > 0; delay = this.resumeAt - Date.now()) {
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  get pausedUntil() {
    return this.resumeAt;
  }
}
